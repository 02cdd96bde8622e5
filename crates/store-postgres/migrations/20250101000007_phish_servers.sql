-- The receiving mail servers whose Authentication-Results header an office
-- trusts for phishing triage, by their authserv-id (RFC 8601), lowercase.
--
-- Anyone can write such a header, so a "pass" is believed only from a
-- server the office named; "microsoft-365" stands for Exchange Online,
-- whose header carries no authserv-id. The list is replaced whole.
-- Text listed in order is COLLATE "C": byte order, as SQLite.
CREATE TABLE phish_servers (
    office_id    uuid NOT NULL REFERENCES offices (id),
    authserv_id  text COLLATE "C" NOT NULL,
    PRIMARY KEY (office_id, authserv_id)
);
