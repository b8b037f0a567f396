// `npm start`: the station launcher (apps/launcher); arguments pass through (`npm start -- --config x`).
import '../apps/launcher/src/main.ts';
