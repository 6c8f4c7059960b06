// The apps page (placeholder until it is built).
import { placeholder } from './placeholder.js';

export default placeholder('apps', { adminOnly: true });
