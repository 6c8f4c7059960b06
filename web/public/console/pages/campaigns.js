// The campaigns page (placeholder until it is built): for those holding
// the dialer scope (admins, supervisors, users with the dialer ability).
import { placeholder } from './placeholder.js';

export default placeholder('campaigns', {
  allowed: (u) => u.role === 'admin' || u.role === 'supervisor' || (u.abilities || []).includes('dialer'),
});
