CREATE TABLE `sequence_pins` (
	`batch_id` text PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`pinned_at` text NOT NULL,
	`pinned_by` text NOT NULL
);
