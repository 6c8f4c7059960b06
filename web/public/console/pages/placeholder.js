// A page not built yet: its title and a notice. A page's own module
// replaces it (same id, same line in pages/index.js).

/** The page module of id, with its rights: adminOnly, allowed(user). */
export function placeholder(id, { adminOnly = false, allowed } = {}) {
  return {
    id,
    titleKey: `${id}.title`,
    adminOnly,
    allowed,
    render(root, ctx) {
      root.append(ctx.ui.h('p', { class: 'notice' }, ctx.common.comingSoon));
      return () => {};
    },
  };
}
