// `npm start`: the station launcher (apps/launcher); arguments pass through (`npm start -- --config x`).
// The file name is the launcher's mark in `ps aux | grep station`: Bun cannot set a process title on
// Linux, so the command line itself says "station" and the role, as every service's and runner's does.
import '../apps/launcher/src/main.ts';
