// The audit page (placeholder until it is built).
import { placeholder } from './placeholder.js';

export default placeholder('audit', { adminOnly: true });
