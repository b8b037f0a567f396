DROP INDEX `executions_started_at_idx`;--> statement-breakpoint
ALTER TABLE `executions` ADD `serial_number` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `part_number` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `revision` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `lot` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `serial_source_step` text;--> statement-breakpoint
CREATE INDEX `executions_serial_idx` ON `executions` (`serial_number`,`sequence_name`,`started_at`,`id`,`status`,`status_reason`);--> statement-breakpoint
CREATE INDEX `executions_part_started_idx` ON `executions` (`part_number`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_started_at_idx` ON `executions` (`started_at`,`id`,`status`,`status_reason`,`batch_id`,`sequence_name`,`serial_number`,`overall_pass`,`duration`);