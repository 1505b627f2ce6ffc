"""A substring index of the quarantine's subjects and senders, for MariaDB
and MySQL.

PostgreSQL answers a search inside a text from its trigram indexes
(:mod:`.schema`), SQLite reads its narrow index fast enough; MariaDB has
no index for a text inside a column and compares every subject and sender
of the quarantine (0.3 µs a row, 400 ms for a million messages). This
index gives it the few places where a text can be.

The messages are cut, in the order of their date (``time_num``), into
blocks of about :data:`BLOCK_SIZE` messages (a block holds whole seconds,
so a block is a range of dates). For every trigram of the subjects and
senders of a block, a bitmap of :data:`SEGMENT_BLOCKS` blocks (a
*segment*) has the block's bit set. A search's candidate blocks are those
whose bits are set for every trigram of the searched text; the search
then reads those blocks' dates only, through ``msgs_idx_time_num``, and
compares their texts as without the index.

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

BLOCK_SIZE = 256
SEGMENT_BLOCKS = 4096
LAG = 3600
# Beyond this many candidate blocks (32,768 messages to compare) the
# search has many matches, which the date order finds at once.
MAX_CANDIDATE_BLOCKS = 128
# Beyond this many messages newer than the index, it is not used.
MAX_UNINDEXED = 50000
BATCH = 20000

# Keys of the trigrams of large scripts (see trigrams()).
HASHED_KEYS = 1 << 18

BLOCK_TABLE = "modoboa_qsearch_block"
GRAM_TABLE = "modoboa_qsearch_gram"

TABLES = [
    "CREATE TABLE IF NOT EXISTS %s ("
    "id INT UNSIGNED NOT NULL PRIMARY KEY, "
    "time_first INT UNSIGNED NOT NULL, "
    "time_last INT UNSIGNED NOT NULL, "
    "messages INT UNSIGNED NOT NULL"
    ") ENGINE=InnoDB" % BLOCK_TABLE,
    "CREATE TABLE IF NOT EXISTS %s ("
    "segment INT UNSIGNED NOT NULL, "
    "gram VARBINARY(6) NOT NULL, "
    "bits VARBINARY(1024) NOT NULL, "
    "PRIMARY KEY (segment, gram)"
    ") ENGINE=InnoDB" % GRAM_TABLE,
]

WEIGHTS = "WEIGHT_STRING(CONVERT(%s USING utf8mb4) COLLATE utf8mb4_general_ci)"
BITMAP_BYTES = SEGMENT_BLOCKS // 8
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
    """The blocks ``offsets`` (sorted, within a segment) as stored: their
    list when short, a bitmap otherwise.
    """
    if len(offsets) * 2 < BITMAP_BYTES:
        return SPARSE + array.array("H", offsets).tobytes()
    bitmap = bytearray(BITMAP_BYTES)
    for offset in offsets:
        bitmap[offset >> 3] |= 1 << (offset & 7)
    return DENSE + bytes(bitmap)


def decode(data):
    """A stored value as an int: bit *n* for block *n* of the segment."""
    data = bytes(data)
    if data[:1] == DENSE:
        return int.from_bytes(data[1:], "little")
    bits = 0
    for offset in _offsets(data):
        bits |= 1 << offset
    return bits


def _offsets(data):
    data = bytes(data)
    if data[:1] == DENSE:
        return _set_bits(int.from_bytes(data[1:], "little"))
    offsets = array.array("H")
    offsets.frombytes(data[1:])
    return list(offsets)


def _set_bits(bits):
    offsets = []
    while bits:
        low = bits & -bits
        offsets.append(low.bit_length() - 1)
        bits ^= low
    return offsets


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
        self.block = None  # [id, time_first, time_last, messages, grams]
        self.blocks = {}  # blocks to write: id -> (first, last, messages)
        self.pending = {}  # gram -> its blocks (offsets) in the current segment
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
                "SELECT id, time_first, time_last, messages FROM modoboa_qsearch_block "
                "ORDER BY id DESC LIMIT 1"
            )
            last = cursor.fetchone()
        after = -1
        self._next_id = 0
        if last is not None:
            after = last[2]
            self._next_id = last[0] + 1
            if last[3] < BLOCK_SIZE:
                # The last block goes on filling.
                self.block = [last[0], last[1], last[2], last[3], set()]
                self.segment = last[0] // SEGMENT_BLOCKS
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
        self._flush(close=True)
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
        block = self.block
        if block is not None and block[3] >= BLOCK_SIZE and time_num != block[2]:
            self._close_block()
            block = None
        if block is None:
            block_id = self._next_id
            self._next_id += 1
            segment = block_id // SEGMENT_BLOCKS
            if self.segment is not None and segment != self.segment:
                self._flush(close=False)
            self.segment = segment
            block = self.block = [block_id, time_num, time_num, 0, set()]
        block[2] = time_num
        block[3] += 1
        block[4] |= grams
        self.indexed += 1

    def _close_block(self):
        block_id, first, last, messages, grams = self.block
        offset = block_id % SEGMENT_BLOCKS
        pending = self.pending
        for gram in grams:
            blocks = pending.get(gram)
            if blocks is None:
                blocks = pending[gram] = array.array("H")
            blocks.append(offset)
        self.blocks[block_id] = (first, last, messages)
        self.block = None

    def _flush(self, close):
        """Write the gathered trigrams, then the blocks they describe (a
        search takes the index's end from the blocks: never before their
        trigrams). The open block is written too, and kept open unless
        ``close``.
        """
        block = self.block
        if block is not None:
            kept = block
            self._close_block()
            if not close:
                self.block = [kept[0], kept[1], kept[2], kept[3], set()]
        if not self.pending and not self.blocks:
            return
        with transaction.atomic(using=self.connection.alias):
            self._write_grams()
            self._write_blocks()
        self.pending = {}
        self.blocks = {}

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
                stored = {bytes(gram): _offsets(bits) for gram, bits in cursor.fetchall()}
                values = []
                for gram in chunk:
                    offsets = self.pending[gram]
                    if gram in stored:
                        # The block left open by the previous run may be in both.
                        offsets = sorted(set(stored[gram]).union(offsets))
                    values.append((self.segment, gram, encode(offsets)))
                cursor.executemany(
                    "INSERT INTO modoboa_qsearch_gram (segment, gram, bits) VALUES (%s, %s, %s) "
                    "ON DUPLICATE KEY UPDATE bits = VALUES(bits)",
                    values,
                )

    def _write_blocks(self):
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO modoboa_qsearch_block (id, time_first, time_last, messages) "
                "VALUES (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
                "time_last = VALUES(time_last), messages = VALUES(messages)",
                [(block_id, *values) for block_id, values in sorted(self.blocks.items())],
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
                        [first // SEGMENT_BLOCKS],
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
            # The index's end first: its trigrams are never older. Blocks
            # follow the dates: the last one ends the index.
            cursor.execute(
                "SELECT %s, id, time_last FROM (SELECT 1) AS one "  # noqa: S608 - constants
                "LEFT JOIN (SELECT id, time_last FROM modoboa_qsearch_block "
                "ORDER BY id DESC LIMIT 1) AS last ON TRUE" % (WEIGHTS % "%s"),
                [search],
            )
        except DatabaseError:
            # No index yet (``qindex`` never ran).
            return None
        weights, last_id, end = cursor.fetchone()
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
        segments = list(range(last_id // SEGMENT_BLOCKS + 1))
        cursor.execute(
            "SELECT segment, gram, bits FROM modoboa_qsearch_gram "  # noqa: S608 - placeholders
            "WHERE segment IN (%s) AND gram IN (%s)"
            % (
                ", ".join(["%s"] * len(segments)),
                ", ".join(["%s"] * len(grams)),
            ),
            [*segments, *grams],
        )
        found = {}
        for segment, _gram, bits in cursor.fetchall():
            found.setdefault(segment, []).append(decode(bits))
        candidates = []
        for segment, bitmaps in sorted(found.items()):
            if len(bitmaps) < len(grams):
                continue
            common = bitmaps[0]
            for bits in bitmaps[1:]:
                common &= bits
            candidates += [segment * SEGMENT_BLOCKS + offset for offset in _set_bits(common)]
            if len(candidates) > MAX_CANDIDATE_BLOCKS:
                return None
        ranges = []
        if candidates:
            cursor.execute(
                "SELECT id, time_first, time_last FROM modoboa_qsearch_block "  # noqa: S608
                "WHERE id IN (%s) ORDER BY id" % ", ".join(["%s"] * len(candidates)),
                candidates,
            )
            previous = None
            for block_id, first, last in cursor.fetchall():
                if previous is not None and block_id == previous + 1:
                    ranges[-1][1] = last
                else:
                    ranges.append([first, last])
                previous = block_id
    condition = Q(**{"%s__gt" % field: end})
    for first, last in ranges:
        condition |= Q(**{"%s__range" % field: (first, last)})
    return condition
