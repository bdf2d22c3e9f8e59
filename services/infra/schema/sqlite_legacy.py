"""The SQLite schema as it was built before Alembic (versions 1-7, tracked in PRAGMA
user_version). Alembic's baseline revision applies whichever of these a database lacks, so a
file made by an older release upgrades in place; never edit them. New schema changes are
Alembic revisions (services/infra/schema/versions).

Times are stored as Unix seconds (REAL), money-like amounts as INTEGER tokens.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE accounts (
            user_id INTEGER PRIMARY KEY,
            language TEXT NOT NULL DEFAULT 'en',
            is_pro INTEGER NOT NULL DEFAULT 0,
            allowance INTEGER NOT NULL DEFAULT 0 CHECK (allowance >= 0),
            bonus INTEGER NOT NULL DEFAULT 0 CHECK (bonus >= 0),
            referral_link TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
        """CREATE TABLE reservations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES accounts(user_id),
            idempotency_key TEXT NOT NULL UNIQUE,
            allowance_amount INTEGER NOT NULL,
            bonus_amount INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('held', 'committed', 'refunded')),
            reason TEXT NOT NULL,
            created_at REAL NOT NULL,
            settled_at REAL
        )""",
        "CREATE INDEX reservations_held ON reservations(status, created_at)",
        """CREATE TABLE ledger (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES accounts(user_id),
            kind TEXT NOT NULL,
            allowance_delta INTEGER NOT NULL,
            bonus_delta INTEGER NOT NULL,
            balance_after INTEGER NOT NULL,
            reservation_id INTEGER REFERENCES reservations(id),
            actor_id INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            idempotency_key TEXT UNIQUE,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX ledger_user ON ledger(user_id, id)",
        # The ledger is the source of truth: a balance moves only with the entry that
        # explains it, in the same statement.
        """CREATE TRIGGER ledger_applies AFTER INSERT ON ledger
           BEGIN
             UPDATE accounts
                SET allowance = allowance + NEW.allowance_delta,
                    bonus = bonus + NEW.bonus_delta,
                    updated_at = NEW.created_at
              WHERE user_id = NEW.user_id;
           END""",
        # Holding tokens is one statement: inserting the reservation appends its ledger
        # entry (which moves the balance), so a reservation needs no explicit transaction.
        """CREATE TRIGGER reservation_holds AFTER INSERT ON reservations
           BEGIN
             INSERT INTO ledger (user_id, kind, allowance_delta, bonus_delta, balance_after,
                                 reservation_id, reason, created_at)
             SELECT NEW.user_id, 'reserve', -NEW.allowance_amount, -NEW.bonus_amount,
                    allowance + bonus - NEW.allowance_amount - NEW.bonus_amount,
                    NEW.id, NEW.reason, NEW.created_at
               FROM accounts WHERE user_id = NEW.user_id;
           END""",
        """CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
           BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END""",
        """CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
           BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END""",
        """CREATE TABLE posts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES accounts(user_id),
            reservation_id INTEGER REFERENCES reservations(id),
            post_type TEXT NOT NULL,
            audience TEXT NOT NULL,
            language TEXT NOT NULL,
            referral_link TEXT,
            status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
            title TEXT,
            body TEXT,
            hashtags TEXT,
            image_path TEXT,
            error TEXT,
            created_at REAL NOT NULL,
            finished_at REAL
        )""",
        "CREATE INDEX posts_user ON posts(user_id, id)",
        """CREATE TABLE generations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL,
            post_id INTEGER REFERENCES posts(id),
            kind TEXT NOT NULL CHECK (kind IN ('text', 'image')),
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
            error TEXT,
            duration_ms INTEGER NOT NULL,
            cost_usd REAL NOT NULL DEFAULT 0,
            input_tokens INTEGER,
            output_tokens INTEGER,
            image_path TEXT,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX generations_time ON generations(created_at)",
    ),
    # v2: the prompt-writing call (a text model writing the image prompt) is recorded too.
    (
        """CREATE TABLE generations_v2 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL,
            post_id INTEGER REFERENCES posts(id),
            kind TEXT NOT NULL CHECK (kind IN ('text', 'image', 'prompt')),
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
            error TEXT,
            duration_ms INTEGER NOT NULL,
            cost_usd REAL NOT NULL DEFAULT 0,
            input_tokens INTEGER,
            output_tokens INTEGER,
            image_path TEXT,
            created_at REAL NOT NULL
        )""",
        "INSERT INTO generations_v2 SELECT * FROM generations",
        "DROP TABLE generations",
        "ALTER TABLE generations_v2 RENAME TO generations",
        "CREATE INDEX generations_time ON generations(created_at)",
    ),
    # v3: Cosmic Coach: tiers, weekly uses, generated images, Stars payments.
    (
        "ALTER TABLE accounts ADD COLUMN tier TEXT NOT NULL DEFAULT 'free'",
        "ALTER TABLE accounts ADD COLUMN tier_expires_at REAL",
        "ALTER TABLE accounts ADD COLUMN sign TEXT",
        # Weekly uses are a ledger of their own: +1 to reserve, then exactly one settling
        # entry per reservation (commit 0, refund -1; the shared key makes it once).
        """CREATE TABLE uses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES accounts(user_id),
            week TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('reserve', 'commit', 'refund')),
            delta INTEGER NOT NULL CHECK (delta IN (-1, 0, 1)),
            reservation_id INTEGER REFERENCES uses(id),
            category TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX uses_week ON uses(user_id, week)",
        """CREATE TRIGGER uses_no_update BEFORE UPDATE ON uses
           BEGIN SELECT RAISE(ABORT, 'uses are append-only'); END""",
        """CREATE TRIGGER uses_no_delete BEFORE DELETE ON uses
           BEGIN SELECT RAISE(ABORT, 'uses are append-only'); END""",
        """CREATE TABLE images (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES accounts(user_id),
            category TEXT NOT NULL,
            params TEXT NOT NULL,
            prompt TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            quality TEXT NOT NULL,
            cost_usd REAL NOT NULL DEFAULT 0,
            path TEXT NOT NULL,
            caption TEXT NOT NULL DEFAULT '',
            shared INTEGER NOT NULL DEFAULT 0,
            favourite INTEGER NOT NULL DEFAULT 0,
            deleted_at REAL,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX images_user ON images(user_id, id)",
        """CREATE TABLE payments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            charge_id TEXT NOT NULL UNIQUE,
            provider_charge_id TEXT,
            user_id INTEGER NOT NULL REFERENCES accounts(user_id),
            product TEXT NOT NULL,
            amount INTEGER NOT NULL,
            currency TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('paid', 'refunded')),
            created_at REAL NOT NULL,
            refunded_at REAL
        )""",
    ),
    # v4: sharing: photos' file_ids, share cards, analytics events, viral flags, referrals.
    (
        "ALTER TABLE images ADD COLUMN file_id TEXT",
        "ALTER TABLE images ADD COLUMN post_id INTEGER",
        "CREATE INDEX images_post ON images(post_id)",
        "ALTER TABLE accounts ADD COLUMN referred_by INTEGER",
        """CREATE TABLE cards (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            image_id INTEGER NOT NULL REFERENCES images(id),
            user_id INTEGER NOT NULL,
            format TEXT NOT NULL,
            locale TEXT NOT NULL,
            path TEXT NOT NULL,
            file_id TEXT,
            created_at REAL NOT NULL,
            UNIQUE (image_id, format, locale)
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('share', 'download', 'favourite', 'view')),
            image_id INTEGER NOT NULL REFERENCES images(id),
            user_id INTEGER NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            unique_key TEXT UNIQUE,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX events_image ON events(image_id, kind, created_at)",
        "CREATE INDEX events_time ON events(kind, created_at)",
        """CREATE TABLE viral (
            image_id INTEGER PRIMARY KEY REFERENCES images(id),
            shares INTEGER NOT NULL,
            flagged_at REAL NOT NULL
        )""",
    ),
    # v5: schedules: subscriptions, horoscopes, deliveries (exactly-once pushes), job runs,
    # and an audit of admin actions that are not ledger entries.
    (
        """CREATE TABLE subscriptions (
            user_id INTEGER PRIMARY KEY REFERENCES accounts(user_id),
            sign TEXT NOT NULL,
            hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
            active INTEGER NOT NULL DEFAULT 1,
            updated_at REAL NOT NULL
        )""",
        "CREATE INDEX subscriptions_due ON subscriptions(active, hour)",
        """CREATE TABLE horoscopes (
            day TEXT NOT NULL,
            sign TEXT NOT NULL,
            language TEXT NOT NULL,
            text TEXT NOT NULL,
            model TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (day, sign, language)
        )""",
        """CREATE TABLE deliveries (
            campaign TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'blocked')),
            detail TEXT NOT NULL DEFAULT '',
            updated_at REAL NOT NULL,
            PRIMARY KEY (campaign, user_id)
        )""",
        """CREATE TABLE job_runs (
            job TEXT NOT NULL,
            period TEXT NOT NULL,
            result TEXT NOT NULL DEFAULT '',
            finished_at REAL NOT NULL,
            PRIMARY KEY (job, period)
        )""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            actor_id INTEGER NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        )""",
        """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
           BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END""",
        """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
           BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END""",
    ),
    # v6: where each token hold and weekly use was started (chat, progress message) and what
    # "Generate" needs to start it again, so the sweeper can tell the person when a crash
    # strands it. Not money: the holds and uses stay in their own ledgers.
    (
        """CREATE TABLE work_origins (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reservation_id INTEGER UNIQUE REFERENCES reservations(id),
            use_id INTEGER UNIQUE REFERENCES uses(id),
            user_id INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            again TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            swept_at REAL,
            told_at REAL,
            CHECK ((reservation_id IS NULL) <> (use_id IS NULL))
        )""",
        "CREATE INDEX work_origins_untold ON work_origins(swept_at) WHERE told_at IS NULL",
        # The sweep looks at weekly uses reserved since its previous run.
        "CREATE INDEX uses_reserved ON uses(created_at) WHERE kind = 'reserve'",
    ),
    # v7: Each person's time zone (an IANA name or a fixed `UTC±HH:MM`; none: BOT_TIMEZONE).
    (
        """CREATE TABLE time_zones (
            user_id INTEGER PRIMARY KEY REFERENCES accounts(user_id),
            zone TEXT NOT NULL,
            updated_at REAL NOT NULL
        )""",
    ),
)
