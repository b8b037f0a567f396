# One image for every station service; docker-compose.yml picks the service by its command.
FROM oven/bun:1.4.5
WORKDIR /app
ENV NODE_ENV=production

# The workspace packages export their TypeScript sources directly, so the whole tree is the app.
COPY . .
RUN bun install --production
# The operator UI is bundled by Bun into apps/ui/dist, which the gateway serves.
RUN if [ -f apps/ui/build.ts ]; then bun apps/ui/build.ts; fi
# Each batch runner starts from one bundled file (apps/batch-runner/dist; docs/runner.md, "Start-up").
RUN bun apps/batch-runner/build.ts

# Batch runners are children of the supervisor inside its container; SIGTERM reaches each main.
STOPSIGNAL SIGTERM
CMD ["bun", "apps/launcher/src/main.ts", "--config", "/etc/station/station.yaml"]
