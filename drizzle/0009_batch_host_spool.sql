CREATE TABLE `remote_deliveries` (
	`execution_id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`last_seq` integer NOT NULL,
	`applied_at` text NOT NULL,
	FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `spool_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`execution_id` text NOT NULL,
	`batch_id` text NOT NULL,
	`seq` integer NOT NULL,
	`op` text NOT NULL,
	`args` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spool_records_execution_seq_uq` ON `spool_records` (`execution_id`,`seq`);--> statement-breakpoint
CREATE INDEX `spool_records_batch_idx` ON `spool_records` (`batch_id`);--> statement-breakpoint
CREATE TABLE `spool_streams` (
	`execution_id` text PRIMARY KEY NOT NULL,
	`last_seq` integer NOT NULL
);
