// Not a driver definition: its default export has no create().
export default { description: 'no create' };
