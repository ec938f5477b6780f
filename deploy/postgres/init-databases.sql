-- docker-compose only: one database per service (devstack creates the same ones for the local cluster).
CREATE DATABASE opencme_identity;
CREATE DATABASE opencme_catalog;
CREATE DATABASE opencme_credit;
CREATE DATABASE opencme_certificates;
CREATE DATABASE opencme_board_reporting;
CREATE DATABASE opencme_notifications;
