// drizzle-kit settings: `npm run db:generate` diffs packages/db/src/schema.ts against drizzle/meta and
// writes the next migration into drizzle/, which openStore applies at start.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './packages/db/src/schema.ts',
  out: './drizzle',
});
