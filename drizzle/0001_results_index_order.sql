DROP INDEX `executions_batch_started_idx`;--> statement-breakpoint
DROP INDEX `executions_status_started_idx`;--> statement-breakpoint
DROP INDEX `executions_sequence_started_idx`;--> statement-breakpoint
CREATE INDEX `executions_batch_started_idx` ON `executions` (`batch_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_status_started_idx` ON `executions` (`status`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_sequence_started_idx` ON `executions` (`sequence_name`,`started_at`,`id`);