// The cors page (placeholder until it is built).
import { placeholder } from './placeholder.js';

export default placeholder('cors', { adminOnly: true });
