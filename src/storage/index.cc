#include "storage/index.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>

#include "util/coding.h"

namespace mnemos::storage {
namespace {

constexpr char kMetaPrefix = 'M';
constexpr char kStreamPrefix = 'S';
constexpr char kRunPrefix = 'R';
constexpr char kBoundaryPrefix = 'B';
constexpr char kTimePrefix = 'T';
constexpr std::string_view kCountersKey = "Mcounters";
constexpr std::string_view kStoreIdKey = "Mstore_id";

std::unexpected<Error> rocks_error(const rocksdb::Status& s, const std::string& what) {
  ErrorCode code = s.IsCorruption() ? ErrorCode::kCorruption : ErrorCode::kIoError;
  return make_error(code, "index " + what + ": " + s.ToString());
}

std::string stream_key(std::string_view name) {
  std::string k(1, kStreamPrefix);
  k.append(name);
  return k;
}

std::string run_key(uint64_t stream_id, uint64_t revision) {
  std::string k(1, kRunPrefix);
  coding::put_big_endian64(k, stream_id);
  coding::put_big_endian64(k, revision);
  return k;
}

std::string boundary_key(uint64_t position) {
  std::string k(1, kBoundaryPrefix);
  coding::put_big_endian64(k, position);
  return k;
}

std::string time_key(int64_t micros, uint64_t position) {
  std::string k(1, kTimePrefix);
  coding::put_big_endian64(k, static_cast<uint64_t>(micros) ^ (1ull << 63));  // sign-flip sorts
  coding::put_big_endian64(k, position);
  return k;
}

std::string encode_stream_info(const StreamInfo& info) {
  std::string v;
  coding::put_varint(v, info.id);
  coding::put_varint(v, static_cast<uint64_t>(info.last_revision + 1));
  coding::put_varint(v, info.tombstone_position);
  return v;
}

bool decode_stream_info(std::string_view v, StreamInfo& info) {
  uint64_t id, next_revision, tomb;
  if (!coding::get_varint(v, id) || !coding::get_varint(v, next_revision) ||
      !coding::get_varint(v, tomb)) {
    return false;
  }
  info = StreamInfo{id, static_cast<int64_t>(next_revision) - 1, tomb};
  return true;
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// Where the writer's next insert into the memtable goes is near its last one of the same kind:
// a stream's entry ('S' name) next to its previous version, its runs ('R' id) after its last
// run, sparse points ('B', 'T') at the end. RocksDB keeps a hint of the last insert position
// for each prefix this returns, so that an insert does not search the skiplist from its top.
// It changes nothing but where the search starts (reads do not use it).
class InsertHintPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "mnemos.InsertHintPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    switch (key[0]) {
      case kRunPrefix: return rocksdb::Slice(key.data(), 9);
      case kBoundaryPrefix:
      case kTimePrefix: return rocksdb::Slice(key.data(), 1);
      default: return key;  // 'S' name, 'M' name: the key itself
    }
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return !key.empty() && (key[0] != kRunPrefix || key.size() >= 9);
  }
};
std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

// ---- RunIterator ----

RunIterator::RunIterator(std::unique_ptr<rocksdb::Iterator> it, uint64_t stream_id)
    : it_(std::move(it)), prefix_(run_key(stream_id, 0).substr(0, 9)) {}
RunIterator::~RunIterator() = default;
RunIterator::RunIterator(RunIterator&&) noexcept = default;

bool RunIterator::in_stream() const { return it_->Valid() && it_->key().starts_with(slice(prefix_)); }

void RunIterator::seek(uint64_t revision) {
  seek_for_prev(revision);
  if (valid()) {
    StreamRun r = run();
    if (revision < r.first_revision + r.count) return;
    next();
    return;
  }
  std::string k = prefix_;
  coding::put_big_endian64(k, revision);
  it_->Seek(slice(k));
}

void RunIterator::seek_for_prev(uint64_t revision) {
  std::string k = prefix_;
  coding::put_big_endian64(k, revision);
  it_->SeekForPrev(slice(k));
}

void RunIterator::seek_last() { seek_for_prev(~0ull); }
void RunIterator::next() { it_->Next(); }
void RunIterator::prev() { it_->Prev(); }
bool RunIterator::valid() const { return in_stream(); }

StreamRun RunIterator::run() const {
  StreamRun r;
  r.first_revision = coding::get_big_endian64(it_->key().data() + 9);
  std::string_view v = view(it_->value());
  coding::get_varint(v, r.position);
  coding::get_varint(v, r.count);
  return r;
}

Status RunIterator::status() const {
  if (!it_->status().ok()) return rocks_error(it_->status(), "iterate");
  return {};
}

// ---- IndexBatch ----

IndexBatch::IndexBatch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
IndexBatch::~IndexBatch() = default;

void IndexBatch::put_stream(std::string_view name, const StreamInfo& info) {
  batch_->Put(stream_key(name), encode_stream_info(info));
}

void IndexBatch::put_run(uint64_t stream_id, const StreamRun& run) {
  std::string v;
  coding::put_varint(v, run.position);
  coding::put_varint(v, run.count);
  batch_->Put(run_key(stream_id, run.first_revision), v);
}

void IndexBatch::put_boundary(const Boundary& b) {
  std::string v;
  coding::put_varint(v, static_cast<uint64_t>(b.timestamp_micros));
  batch_->Put(boundary_key(b.position), v);
  batch_->Put(time_key(b.timestamp_micros, b.position), "");
}

void IndexBatch::put_counters(const IndexCounters& c) {
  std::string v;
  coding::put_varint(v, c.indexed_up_to);
  coding::put_varint(v, c.next_stream_id);
  coding::put_varint(v, c.events);
  coding::put_varint(v, c.streams);
  coding::put_varint(v, c.head_position);
  coding::put_varint(v, static_cast<uint64_t>(c.last_timestamp));
  batch_->Put(slice(kCountersKey), v);
}

void IndexBatch::clear() { batch_->Clear(); }
size_t IndexBatch::count() const { return static_cast<size_t>(batch_->Count()); }

// ---- Index ----

Index::Index(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

Index::~Index() {
  if (db_) {
    db_->Close().PermitUncheckedError();
  }
}

Result<std::unique_ptr<Index>> Index::open(const std::string& dir, uint64_t cache_bytes) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 16 << 20;
  options.max_write_buffer_number = 2;
  options.max_open_files = 256;
  options.compression = rocksdb::kLZ4Compression;
  options.bottommost_compression = rocksdb::kZSTD;
  options.avoid_flush_during_shutdown = false;
  options.info_log_level = rocksdb::WARN_LEVEL;
  options.keep_log_file_num = 2;
  options.memtable_insert_with_hint_prefix_extractor = std::make_shared<InsertHintPrefix>();
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(cache_bytes);
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.block_size = 16 << 10;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return rocks_error(s, "open " + dir);
  return std::unique_ptr<Index>(new Index(std::unique_ptr<rocksdb::DB>(raw)));
}

Status Index::destroy(const std::string& dir) {
  rocksdb::Status s = rocksdb::DestroyDB(dir, rocksdb::Options());
  if (!s.ok()) return rocks_error(s, "destroy " + dir);
  return {};
}

Result<std::optional<StreamRef>> Index::stream_ref(std::string_view name) const {
  auto entry = stream_entry(name);
  if (!entry) return std::unexpected(entry.error());
  if (!*entry) return std::optional<StreamRef>();
  return std::optional<StreamRef>(StreamRef{(*entry)->id, (*entry)->tombstone_position});
}

Result<std::optional<StreamInfo>> Index::stream(std::string_view name) const {
  auto entry = stream_entry(name);
  if (!entry || !*entry) return entry;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  if (auto found = read_last_revision(*it, **entry); !found) return std::unexpected(found.error());
  return entry;
}

Result<std::optional<StreamInfo>> Index::stream_entry(std::string_view name) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), stream_key(name), &value);
  if (s.IsNotFound()) return std::optional<StreamInfo>();
  if (!s.ok()) return rocks_error(s, "get stream");
  StreamInfo info;
  if (!decode_stream_info(value, info)) {
    return make_error(ErrorCode::kCorruption, "index entry of stream '" + std::string(name) +
                                                  "' is damaged; run `mnemos reindex`");
  }
  return std::optional<StreamInfo>(info);
}

// A stream's entry is written when the stream is created or tombstoned, not on every append:
// the revision it holds is where the stream stood then. Its last run tells where it is now.
Status Index::read_last_revision(rocksdb::Iterator& it, StreamInfo& info) const {
  const std::string last = run_key(info.id, ~0ull);
  it.SeekForPrev(slice(last));
  if (it.Valid() && it.key().size() == last.size() && std::memcmp(it.key().data(), last.data(), 9) == 0) {
    const uint64_t first = coding::get_big_endian64(it.key().data() + 9);
    std::string_view v = view(it.value());
    uint64_t position = 0, count = 0;
    if (!coding::get_varint(v, position) || !coding::get_varint(v, count) || count == 0) {
      return make_error(ErrorCode::kCorruption, "index run of stream id " + std::to_string(info.id) +
                                                    " is damaged; run `mnemos reindex`");
    }
    info.last_revision = std::max(info.last_revision, static_cast<int64_t>(first + count - 1));
  }
  if (!it.status().ok()) return rocks_error(it.status(), "read runs");
  return {};
}

RunIterator Index::runs(uint64_t stream_id) const {
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = false;
  return RunIterator(std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro)), stream_id);
}

std::optional<Boundary> Index::boundary_at_or_before(uint64_t position) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(boundary_key(position));
  if (!it->Valid() || it->key().size() != 9 || it->key()[0] != kBoundaryPrefix) return std::nullopt;
  Boundary b;
  b.position = coding::get_big_endian64(it->key().data() + 1);
  std::string_view v = view(it->value());
  uint64_t ts = 0;
  coding::get_varint(v, ts);
  b.timestamp_micros = static_cast<int64_t>(ts);
  return b;
}

std::optional<Boundary> Index::boundary_at_or_before_time(int64_t micros) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(time_key(micros, ~0ull));
  if (!it->Valid() || it->key().size() != 17 || it->key()[0] != kTimePrefix) return std::nullopt;
  Boundary b;
  b.timestamp_micros =
      static_cast<int64_t>(coding::get_big_endian64(it->key().data() + 1) ^ (1ull << 63));
  b.position = coding::get_big_endian64(it->key().data() + 9);
  return b;
}

Result<std::vector<Index::StreamEntry>> Index::list_streams(std::string_view prefix,
                                                            std::string_view after,
                                                            uint64_t limit) const {
  std::vector<StreamEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  std::unique_ptr<rocksdb::Iterator> runs(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string key_prefix = stream_key(prefix);
  if (!after.empty() && after >= prefix) {
    it->Seek(stream_key(after));
    if (it->Valid() && view(it->key()).substr(1) == after) it->Next();
  } else {
    it->Seek(key_prefix);
  }
  for (; it->Valid() && out.size() < limit; it->Next()) {
    std::string_view key = view(it->key());
    if (!key.starts_with(key_prefix)) break;
    StreamEntry e;
    e.name = std::string(key.substr(1));
    if (!decode_stream_info(view(it->value()), e.info)) {
      return make_error(ErrorCode::kCorruption, "index entry of stream '" + e.name + "' is damaged");
    }
    if (auto found = read_last_revision(*runs, e.info); !found) return std::unexpected(found.error());
    out.push_back(std::move(e));
  }
  if (!it->status().ok()) return rocks_error(it->status(), "list streams");
  return out;
}

IndexCounters Index::counters() const {
  IndexCounters c;
  std::string value;
  if (db_->Get(rocksdb::ReadOptions(), slice(kCountersKey), &value).ok()) {
    std::string_view v = value;
    coding::get_varint(v, c.indexed_up_to);
    coding::get_varint(v, c.next_stream_id);
    coding::get_varint(v, c.events);
    coding::get_varint(v, c.streams);
    coding::get_varint(v, c.head_position);
    uint64_t ts = 0;
    coding::get_varint(v, ts);
    c.last_timestamp = static_cast<int64_t>(ts);
  }
  return c;
}

std::optional<StoreId> Index::store_id() const {
  std::string value;
  if (!db_->Get(rocksdb::ReadOptions(), slice(kStoreIdKey), &value).ok() || value.size() != 16) {
    return std::nullopt;
  }
  StoreId id;
  std::memcpy(id.data(), value.data(), 16);
  return id;
}

Status Index::set_store_id(const StoreId& id) {
  rocksdb::WriteOptions wo;
  rocksdb::Status s = db_->Put(wo, slice(kStoreIdKey),
                               rocksdb::Slice(reinterpret_cast<const char*>(id.data()), 16));
  if (!s.ok()) return rocks_error(s, "write");
  return {};
}

Status Index::write(IndexBatch& batch) {
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  rocksdb::Status s = db_->Write(wo, batch.batch_.get());
  if (!s.ok()) return rocks_error(s, "write");
  return {};
}

Status Index::flush() {
  rocksdb::Status s = db_->Flush(rocksdb::FlushOptions());
  if (!s.ok()) return rocks_error(s, "flush");
  return {};
}

uint64_t Index::disk_bytes() const {
  uint64_t sst = 0;
  db_->GetIntProperty("rocksdb.total-sst-files-size", &sst);
  return sst;
}

}  // namespace mnemos::storage
