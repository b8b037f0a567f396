CREATE TABLE `executions` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`sequence_name` text NOT NULL,
	`sequence_version` text NOT NULL,
	`package_hash` text NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`overall_pass` integer,
	`parameters` text DEFAULT '{}' NOT NULL,
	`started_at` text NOT NULL,
	`completed_at` text,
	`duration` real,
	`error` text,
	`synced_at` text,
	CONSTRAINT "executions_status_ck" CHECK("executions"."status" in ('running', 'completed', 'failed', 'stopped'))
);
--> statement-breakpoint
CREATE INDEX `executions_started_at_idx` ON `executions` (`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_batch_started_idx` ON `executions` (`batch_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `executions_status_started_idx` ON `executions` (`status`,`started_at`);--> statement-breakpoint
CREATE INDEX `executions_sequence_started_idx` ON `executions` (`sequence_name`,`started_at`);--> statement-breakpoint
CREATE TABLE `measurements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`step_result_id` integer NOT NULL,
	`execution_id` text NOT NULL,
	`name` text NOT NULL,
	`value` real,
	`value_text` text,
	`unit` text,
	`low` real,
	`high` real,
	`equals` text,
	`pass` integer NOT NULL,
	FOREIGN KEY (`step_result_id`) REFERENCES `step_results`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `measurements_execution_idx` ON `measurements` (`execution_id`);--> statement-breakpoint
CREATE INDEX `measurements_step_idx` ON `measurements` (`step_result_id`);--> statement-breakpoint
CREATE TABLE `step_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`execution_id` text NOT NULL,
	`name` text NOT NULL,
	`step_order` integer NOT NULL,
	`status` text NOT NULL,
	`pass` integer DEFAULT false NOT NULL,
	`started_at` text,
	`completed_at` text,
	`duration` real,
	`attempts` integer DEFAULT 0 NOT NULL,
	`result` text,
	`error` text,
	FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "step_results_status_ck" CHECK("step_results"."status" in ('pending', 'running', 'completed', 'failed', 'skipped'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `step_results_execution_order_uq` ON `step_results` (`execution_id`,`step_order`);--> statement-breakpoint
CREATE TABLE `sync_queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text DEFAULT 'execution' NOT NULL,
	`entity_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`last_error` text,
	`last_status` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`claimed_by` text,
	`lease_until` text,
	`done_at` text,
	CONSTRAINT "sync_queue_status_ck" CHECK("sync_queue"."status" in ('pending', 'in_flight', 'done', 'rejected')),
	CONSTRAINT "sync_queue_kind_ck" CHECK("sync_queue"."kind" in ('execution'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sync_queue_kind_entity_uq` ON `sync_queue` (`kind`,`entity_id`);--> statement-breakpoint
CREATE INDEX `sync_queue_drain_idx` ON `sync_queue` (`status`,`next_attempt_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `sync_queue_lease_idx` ON `sync_queue` (`status`,`lease_until`);--> statement-breakpoint
CREATE INDEX `sync_queue_created_idx` ON `sync_queue` (`created_at`);