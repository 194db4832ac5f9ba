CREATE TABLE IF NOT EXISTS `flask_sessions` (
  `id` INTEGER NOT NULL AUTO_INCREMENT,
  `session_id` VARCHAR(255) NOT NULL,
  `data` LONGBLOB NOT NULL,
  `expiry` DATETIME(6) NULL,
  CONSTRAINT `pk_flask_sessions` PRIMARY KEY (`id`),
  CONSTRAINT `uq_flask_sessions_session_id` UNIQUE (`session_id`),
  INDEX `ix_flask_sessions_expiry` (`expiry`)
);
