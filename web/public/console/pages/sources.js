// The sources page (placeholder until it is built).
import { placeholder } from './placeholder.js';

export default placeholder('sources', { adminOnly: true });
