"""A substring index of the quarantine's subjects and senders, for MariaDB
and MySQL.

PostgreSQL answers a search inside a text from its trigram indexes
(:mod:`.schema`), SQLite reads its narrow index fast enough; MariaDB has
no index for a text inside a column and compares every subject and sender
of the quarantine (0.3 to 0.9 µs a message: 0.3 to 0.9 s for a million).
This index gives it the few places where a text can be.

The indexed messages are numbered in the order of their date
(``time_num``). For every trigram of their subjects and senders, the
index keeps the numbers of the messages holding it, by *segment* of
:data:`SEGMENT_SIZE` numbers: their list when they are few, a bitmap
otherwise. The numbers are grouped by :data:`BLOCK_SIZE` into *blocks*
which keep the date of each of their messages. A search takes the
messages holding every trigram of its text, then reads the messages of
those dates only, through ``msgs_idx_time_num`` (a date may take in a few
other messages of the same second), and compares their texts as without
the index.

The trigrams are those of the texts' weights in ``utf8mb4_general_ci``
(``WEIGHT_STRING``, two bytes per character), the collation the search
compares in (:mod:`.lookups`): "É", "é" and "e" have one weight, so have
every emoji, and a text that matches a search always has every trigram of
the search's weights. The index can only add candidates, never lose a
match.

The index is kept by ``manage.py qindex`` (cron, see docs/cron.rst). It
holds the messages older than :data:`LAG` seconds (Amavis writes a
message's subject and sender within minutes of its date); the newer ones,
and any the job has not indexed yet, are compared directly. A search the
index cannot narrow (a text of less than three characters, a frequent
one, an index far behind) is answered as without it.

Its two tables live beside Amavis' in Amavis' database (never in
Amavis' own tables); ``qindex`` creates them.
"""

import array
import time
import zlib

from django.db import connections, transaction
from django.db.models import Q

from .dbrouter import amavis_alias

BLOCK_SIZE = 64
SEGMENT_SIZE = 32768
LAG = 3600
# Beyond this many candidate messages the search has thousands of matches:
# reading the first COUNT_LIMIT + 1 of them without the index is cheaper
# than reading every candidate (bench/quarantine_index.py: at a million
# messages, both take 30 to 90 ms near 2,500 matches; at 14,500 the scan
# takes 3 ms, the index 172 to 201 ms).
MAX_CANDIDATE_MESSAGES = 4096
# Beyond this many messages newer than the index, it is not used.
MAX_UNINDEXED = 50000
BATCH = 20000

# Keys of the trigrams of large scripts (see trigrams()).
HASHED_KEYS = 1 << 14

BLOCK_TABLE = "modoboa_qsearch_block"
GRAM_TABLE = "modoboa_qsearch_gram"

TABLES = [
    "CREATE TABLE IF NOT EXISTS %s ("
    "id INT UNSIGNED NOT NULL PRIMARY KEY, "
    "time_first INT UNSIGNED NOT NULL, "
    "time_last INT UNSIGNED NOT NULL, "
    "messages INT UNSIGNED NOT NULL, "
    # The date of each message, four bytes little-endian.
    "times VARBINARY(%d) NOT NULL"
    ") ENGINE=InnoDB" % (BLOCK_TABLE, 4 * BLOCK_SIZE),
    "CREATE TABLE IF NOT EXISTS %s ("
    "segment INT UNSIGNED NOT NULL, "
    "gram VARBINARY(6) NOT NULL, "
    "bits VARBINARY(4097) NOT NULL, "
    "PRIMARY KEY (segment, gram)"
    ") ENGINE=InnoDB" % GRAM_TABLE,
]

WEIGHTS = "WEIGHT_STRING(CONVERT(%s USING utf8mb4) COLLATE utf8mb4_general_ci)"
BITMAP_BYTES = SEGMENT_SIZE // 8
SPARSE, DENSE = b"\x00", b"\x01"


def supported(connection):
    """Whether ``connection`` (Amavis') is one the index serves."""
    return connection.vendor == "mysql"


def trigrams(weights):
    """The trigrams of a ``WEIGHT_STRING`` (two bytes a character): the six
    bytes of their weights, or, for a trigram with a character of a large
    script (weight 0x0800 and above: Thai, CJK, emoji...), one of
    :data:`HASHED_KEYS` four-byte keys.

    Alphabets have a few hundred letters, so their trigrams are few; a text
    in Chinese has nearly as many distinct trigrams as characters, and a
    quarantine full of it would make the index as large as the texts.
    Trigrams sharing a key only add candidates.
    """
    if not weights:
        return set()
    spans = range(0, len(weights) - 5, 2)
    if max(weights[0::2]) < 0x08:
        return {weights[index : index + 6] for index in spans}
    grams = set()
    for index in spans:
        gram = weights[index : index + 6]
        if gram[0] < 0x08 and gram[2] < 0x08 and gram[4] < 0x08:
            grams.add(gram)
        else:
            grams.add((zlib.crc32(gram) % HASHED_KEYS).to_bytes(4, "big"))
    return grams


def encode(offsets):
    """The numbers ``offsets`` (sorted, within a segment) as stored: their
    list when short, a bitmap otherwise.
    """
    if len(offsets) * 2 < BITMAP_BYTES:
        return SPARSE + array.array("H", offsets).tobytes()
    bitmap = bytearray(BITMAP_BYTES)
    for offset in offsets:
        bitmap[offset >> 3] |= 1 << (offset & 7)
    return DENSE + bytes(bitmap)


def decode(data):
    """The numbers a stored value holds, as a sorted list."""
    data = bytes(data)
    if data[:1] == DENSE:
        return _bitmap_offsets(data[1:])
    offsets = array.array("H")
    offsets.frombytes(data[1:])
    return list(offsets)


def _bitmap_offsets(bitmap):
    return [
        (index << 3) | bit
        for index, byte in enumerate(bitmap)
        if byte
        for bit in range(8)
        if byte >> bit & 1
    ]


def common_numbers(stored):
    """The numbers held by every one of the ``stored`` values of a segment."""
    stored = sorted((bytes(data) for data in stored), key=len)
    if stored[0][:1] == DENSE:
        # Every trigram is frequent here: AND the bitmaps.
        common = -1
        for data in stored:
            if data[:1] == DENSE:
                common &= int.from_bytes(data[1:], "little")
        if common == -1:
            return []
        return _bitmap_offsets(common.to_bytes(BITMAP_BYTES, "little"))
    numbers = set(decode(stored[0]))
    for data in stored[1:]:
        if not numbers:
            break
        if data[:1] == DENSE:
            numbers = {n for n in numbers if data[1 + (n >> 3)] >> (n & 7) & 1}
        else:
            offsets = array.array("H")
            offsets.frombytes(data[1:])
            numbers.intersection_update(offsets)
    return sorted(numbers)


def tables_exist(connection):
    names = set(connection.introspection.table_names())
    return {BLOCK_TABLE, GRAM_TABLE} <= names


def create_tables(connection):
    with connection.cursor() as cursor:
        for statement in TABLES:
            cursor.execute(statement)


def drop_tables(connection):
    with connection.cursor() as cursor:
        for table in (GRAM_TABLE, BLOCK_TABLE):
            cursor.execute("DROP TABLE IF EXISTS %s" % table)


class Indexer:
    """Add the messages older than ``now - LAG`` and not yet indexed;
    forget the blocks whose messages are all gone.
    """

    def __init__(self, using=None, progress=None):
        self.connection = connections[using or amavis_alias()]
        self.progress = progress
        self.indexed = 0
        self.number = 0  # of the next message
        self.blocks = {}  # blocks to write: id -> [first, last, messages, times]
        self.pending = {}  # gram -> its numbers in the current segment
        self.segment = None

    def run(self, now=None):
        """Index what is due; return the number of messages added."""
        if not supported(self.connection):
            return 0
        if not tables_exist(self.connection):
            create_tables(self.connection)
        cutoff = int(now if now is not None else time.time()) - LAG
        self.prune()
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, time_first, time_last, messages, times "
                "FROM modoboa_qsearch_block ORDER BY id DESC LIMIT 1"
            )
            last = cursor.fetchone()
        after = -1
        if last is not None:
            block_id, first, after, messages, times = last
            self.number = block_id * BLOCK_SIZE + messages
            if messages < BLOCK_SIZE:
                # The last block goes on filling.
                self.blocks[block_id] = [first, after, messages, bytearray(times)]
        while True:
            rows = self._batch(after, cutoff)
            if not rows:
                break
            for time_num, subject, sender in rows:
                grams = trigrams(bytes(subject or b"")) | trigrams(bytes(sender or b""))
                self._add(time_num, grams)
            after = rows[-1][0]
            if self.progress:
                self.progress(self.indexed, after)
        self._flush()
        return self.indexed

    def _batch(self, after, cutoff):
        """The next messages in date order, whole seconds only."""
        columns = "time_num, %s, %s" % (WEIGHTS % "subject", WEIGHTS % "from_addr")
        with self.connection.cursor() as cursor:
            cursor.execute(
                # Constant columns and an int.
                "SELECT %s FROM msgs WHERE time_num > %%s AND time_num <= %%s "  # noqa: S608
                "ORDER BY time_num LIMIT %d" % (columns, BATCH),
                [after, cutoff],
            )
            rows = cursor.fetchall()
            if len(rows) < BATCH:
                return rows
            last = rows[-1][0]
            if rows[0][0] != last:
                return [row for row in rows if row[0] != last]
            # A batch of one second: that second whole.
            cursor.execute("SELECT %s FROM msgs WHERE time_num = %%s" % columns, [last])  # noqa: S608
            return cursor.fetchall()

    def _add(self, time_num, grams):
        number = self.number
        self.number += 1
        self.indexed += 1
        segment = number // SEGMENT_SIZE
        if self.segment is not None and segment != self.segment:
            self._flush()
        self.segment = segment
        stamp = time_num.to_bytes(4, "little")
        block = self.blocks.get(number // BLOCK_SIZE)
        if block is None:
            self.blocks[number // BLOCK_SIZE] = [time_num, time_num, 1, bytearray(stamp)]
        else:
            block[1] = time_num
            block[2] += 1
            block[3] += stamp
        offset = number % SEGMENT_SIZE
        pending = self.pending
        for gram in grams:
            numbers = pending.get(gram)
            if numbers is None:
                numbers = pending[gram] = array.array("H")
            numbers.append(offset)

    def _flush(self):
        """Write the trigrams gathered for the current segment, then the
        blocks they describe (a search takes the index's end from the
        blocks: never before their trigrams).
        """
        if not self.pending and not self.blocks:
            return
        with transaction.atomic(using=self.connection.alias):
            self._write_grams()
            self._write_blocks()
        self.pending = {}
        # The last block stays open for the next messages.
        last = max(self.blocks)
        self.blocks = {last: self.blocks[last]}

    def _write_grams(self):
        grams = list(self.pending)
        with self.connection.cursor() as cursor:
            for start in range(0, len(grams), 1000):
                chunk = grams[start : start + 1000]
                cursor.execute(
                    "SELECT gram, bits FROM modoboa_qsearch_gram "  # noqa: S608 - placeholders
                    "WHERE segment = %%s AND gram IN (%s)" % ", ".join(["%s"] * len(chunk)),
                    [self.segment, *chunk],
                )
                stored = {bytes(gram): decode(bits) for gram, bits in cursor.fetchall()}
                values = []
                for gram in chunk:
                    # Numbers only grow: the new ones follow the stored ones.
                    numbers = stored.get(gram, []) + self.pending[gram].tolist()
                    values.append((self.segment, gram, encode(numbers)))
                cursor.executemany(
                    "INSERT INTO modoboa_qsearch_gram (segment, gram, bits) VALUES (%s, %s, %s) "
                    "ON DUPLICATE KEY UPDATE bits = VALUES(bits)",
                    values,
                )

    def _write_blocks(self):
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO modoboa_qsearch_block (id, time_first, time_last, messages, times) "
                "VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE time_last = "
                "VALUES(time_last), messages = VALUES(messages), times = VALUES(times)",
                [
                    (block_id, first, last, messages, bytes(times))
                    for block_id, (first, last, messages, times) in sorted(self.blocks.items())
                ],
            )

    def prune(self):
        """Forget the blocks older than the oldest message (``qcleanup`` and
        Amavis' own clean-up remove messages), and the segments left without
        a block.
        """
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT MIN(time_num) FROM msgs")
            (oldest,) = cursor.fetchone()
            with transaction.atomic(using=self.connection.alias):
                if oldest is None:
                    cursor.execute("DELETE FROM modoboa_qsearch_gram")
                    cursor.execute("DELETE FROM modoboa_qsearch_block")
                    return
                cursor.execute("DELETE FROM modoboa_qsearch_block WHERE time_last < %s", [oldest])
                cursor.execute("SELECT MIN(id) FROM modoboa_qsearch_block")
                (first,) = cursor.fetchone()
                if first is not None:
                    cursor.execute(
                        "DELETE FROM modoboa_qsearch_gram WHERE segment < %s",
                        [first * BLOCK_SIZE // SEGMENT_SIZE],
                    )


def rebuild(using=None, now=None, progress=None):
    """Drop the index and build it again; return the messages indexed."""
    connection = connections[using or amavis_alias()]
    if not supported(connection):
        return 0
    if tables_exist(connection):
        # Rows, not tables: MySQL commits around any DDL.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("DELETE FROM modoboa_qsearch_gram")
            cursor.execute("DELETE FROM modoboa_qsearch_block")
    return Indexer(using, progress).run(now)


def date_condition(search, field="time_num", using=None):
    """A ``Q`` over ``field`` (a message's ``time_num``) holding every message
    whose subject or sender may contain ``search``, or None when the index
    cannot narrow the search (see the module's documentation).
    """
    connection = connections[using or amavis_alias()]
    if not supported(connection) or len(search) < 3:
        return None
    from django.db import DatabaseError

    with connection.cursor() as cursor:
        try:
            # The index's extent first: its trigrams are never older.
            # Blocks follow the dates: the last one ends the index.
            cursor.execute(
                "SELECT %s, low.id, high.id, high.time_last, high.messages "  # noqa: S608
                "FROM (SELECT 1) AS one "
                "LEFT JOIN (SELECT id FROM modoboa_qsearch_block ORDER BY id LIMIT 1) AS low "
                "ON TRUE LEFT JOIN (SELECT id, time_last, messages FROM modoboa_qsearch_block "
                "ORDER BY id DESC LIMIT 1) AS high ON TRUE" % (WEIGHTS % "%s"),
                [search],
            )
        except DatabaseError:
            # No index yet (``qindex`` never ran).
            return None
        weights, first_id, last_id, end, messages = cursor.fetchone()
        grams = sorted(trigrams(bytes(weights or b"")))
        if last_id is None or not grams:
            return None
        # A constant bound: the messages after it are read from the date
        # index, not the whole index.
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM msgs "  # noqa: S608 - an int
            "WHERE time_num > %%s LIMIT %d) AS unindexed" % (MAX_UNINDEXED + 1),
            [end],
        )
        if cursor.fetchone()[0] > MAX_UNINDEXED:
            return None
        segments = list(
            range(
                first_id * BLOCK_SIZE // SEGMENT_SIZE,
                (last_id * BLOCK_SIZE + messages - 1) // SEGMENT_SIZE + 1,
            )
        )
        cursor.execute(
            "SELECT segment, bits FROM modoboa_qsearch_gram "  # noqa: S608 - placeholders
            "WHERE segment IN (%s) AND gram IN (%s)"
            % (", ".join(["%s"] * len(segments)), ", ".join(["%s"] * len(grams))),
            [*segments, *grams],
        )
        found = {}
        for segment, bits in cursor.fetchall():
            found.setdefault(segment, []).append(bits)
        candidates = {}  # block -> the places of its candidate messages
        count = 0
        for segment, stored in sorted(found.items()):
            if len(stored) < len(grams):
                continue
            base = segment * SEGMENT_SIZE
            numbers = common_numbers(stored)
            count += len(numbers)
            if count > MAX_CANDIDATE_MESSAGES:
                return None
            for number in numbers:
                block, place = divmod(base + number, BLOCK_SIZE)
                candidates.setdefault(block, []).append(place)
        dates = set()
        if candidates:
            cursor.execute(
                "SELECT id, times FROM modoboa_qsearch_block "  # noqa: S608 - placeholders
                "WHERE id IN (%s)" % ", ".join(["%s"] * len(candidates)),
                sorted(candidates),
            )
            for block_id, times in cursor.fetchall():
                times = bytes(times)
                for place in candidates[block_id]:
                    # Never out of range but on a corrupted row.
                    if 4 * place + 4 <= len(times):
                        dates.add(int.from_bytes(times[4 * place : 4 * place + 4], "little"))
    condition = Q(**{"%s__gt" % field: end})
    if dates:
        condition |= Q(**{"%s__in" % field: sorted(dates)})
    return condition
