// bench/runner imports the runner's command line from here by path; it lives in @station/service (shared
// with the batch host).
export * from '@station/service/runner-command';
