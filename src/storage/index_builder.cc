#include "storage/index_builder.h"

#include "mnemos/types.h"

namespace mnemos::storage {

IndexBuilder::IndexBuilder(const Index& index, IndexCounters& counters, uint64_t& last_boundary,
                           StreamCache* cache)
    : index_(index), cache_(cache), counters_(counters), last_boundary_(last_boundary) {}

Result<std::optional<StreamInfo>> IndexBuilder::stream(std::string_view name) {
  if (auto it = streams_.find(std::string(name)); it != streams_.end()) return it->second.info;
  if (cache_) {
    if (const auto* hit = cache_->find(name)) return *hit;
  }
  auto info = index_.stream(name);
  if (info && cache_) cache_->put(name, *info);
  return info;
}

Status IndexBuilder::add(const IndexedRecord& r) {
  auto touched = streams_.find(std::string(r.stream));
  if (touched == streams_.end()) {
    auto known = stream(r.stream);
    if (!known) return std::unexpected(known.error());
    Touched t;
    if (*known) {
      t.info = **known;
    } else {
      t.info.id = counters_.next_stream_id++;
      t.write_entry = true;
      ++counters_.streams;
    }
    touched = streams_.emplace(std::string(r.stream), t).first;
  }
  StreamInfo& info = touched->second.info;
  if (r.revision == kTombstoneRevision) {
    info.tombstone_position = r.position;
    touched->second.write_entry = true;
    close_run();
  } else {
    info.last_revision = static_cast<int64_t>(r.revision);
    bool extends = run_ && run_->stream_id == info.id &&
                   run_->run.first_revision + run_->run.count == r.revision &&
                   run_->run.count < kMaxRunLength;
    if (extends) {
      ++run_->run.count;
    } else {
      close_run();
      run_ = OpenRun{info.id, StreamRun{r.revision, r.position, 1}};
    }
  }
  if (r.segment_start || r.position >= last_boundary_ + kBoundaryInterval) {
    batch_.put_boundary(Boundary{r.position, r.timestamp_micros});
    last_boundary_ = r.position;
  }
  ++counters_.events;
  counters_.head_position = r.position;
  counters_.last_timestamp = r.timestamp_micros;
  ++pending_records_;
  return {};
}

void IndexBuilder::close_run() {
  if (run_) batch_.put_run(run_->stream_id, run_->run);
  run_.reset();
}

void IndexBuilder::end_commit(uint64_t end) {
  close_run();
  counters_.indexed_up_to = end;
}

void IndexBuilder::drain(IndexBatch& batch) {
  close_run();
  for (const auto& [name, t] : streams_) {
    if (t.write_entry) batch_.put_stream(name, t.info);
    if (cache_) cache_->put(name, t.info);
  }
  batch_.put_counters(counters_);
  batch.swap(batch_);
  batch_.clear();
  streams_.clear();
  pending_records_ = 0;
}

}  // namespace mnemos::storage
