// The Central Phone Book page.
import { placeholder } from './placeholder.js';

export default placeholder('phonebook');
