-- The learner's name and degree from the newest profile applied, for the coordinator's roster: a registration keeps
-- the address it was made with, not a name. NULL until a profile event has brought them.
ALTER TABLE learner_profile_versions
    ADD COLUMN first_name   text,
    ADD COLUMN middle_name  text,
    ADD COLUMN last_name    text,
    ADD COLUMN suffix       text,
    ADD COLUMN degree       text;
