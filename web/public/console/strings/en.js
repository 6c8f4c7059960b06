// Every user-visible string of the console, in English: one section per
// page (its id), plus app, login and common. A translation is a module of
// the same shape. "{name}" marks a value filled in by ui.fmt.

export default {
  app: {
    title: 'pbxagent',
    skip: 'Skip to content',
    nav: 'Main',
    account: 'Account',
    signedInAs: 'Signed in as {name} ({role})',
    signOut: 'Sign out',
    signedOut: 'You are signed out.',
    sessionEnded: 'Your session has ended. Please sign in again.',
    loading: 'Loading…',
    needAdmin: 'You need the administrator role to open this page.',
    needRight: 'You do not have the right to open this page.',
    notFound: 'There is no page "{id}".',
    pageError: 'This page could not be shown.',
  },
  login: {
    title: 'Sign in',
    intro: 'Sign in with your pbxagent user name and password.',
    username: 'User name',
    password: 'Password',
    submit: 'Sign in',
    failed: 'Sign-in failed',
  },
  common: {
    add: 'Add',
    edit: 'Edit',
    save: 'Save',
    cancel: 'Cancel',
    delete: 'Delete',
    close: 'Close',
    confirm: 'Confirm',
    yes: 'Yes',
    no: 'No',
    search: 'Search',
    more: 'More',
    refresh: 'Refresh',
    saved: 'Saved.',
    deleted: 'Deleted.',
    none: 'None',
    empty: 'Nothing to show.',
    required: '(required)',
    actions: 'Actions',
    errorTitle: 'Error',
    requestId: 'Request id: {id}',
    networkError: 'The server could not be reached.',
    comingSoon: 'This page is not built yet.',
  },
  phonebook: {
    title: 'Central Phone Book',
  },
  sources: {
    title: 'Contact sources',
  },
  phones: {
    title: 'Phones',
  },
  callerid: {
    title: 'Caller-ID tester',
  },
  users: {
    title: 'Users',
  },
  apps: {
    title: 'OAuth2 apps',
  },
  cors: {
    title: 'CORS origins',
  },
  audit: {
    title: 'Audit log',
  },
  campaigns: {
    title: 'Campaigns',
  },
};
