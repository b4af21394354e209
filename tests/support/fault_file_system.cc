#include "support/fault_file_system.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

namespace mnemos::test {

namespace {

const char* op_name(FaultOp op) {
  switch (op) {
    case FaultOp::kOpenWritable: return "open";
    case FaultOp::kWrite: return "write";
    case FaultOp::kSync: return "sync";
    case FaultOp::kAllocate: return "allocate";
    case FaultOp::kTruncate: return "truncate";
    case FaultOp::kCreateDirs: return "create_dirs";
    case FaultOp::kSyncDir: return "sync_dir";
  }
  return "?";
}

struct Range {
  uint64_t offset;
  uint64_t length;
};

struct ActiveFault {
  FaultOp op;
  Fault fault;
  uint64_t seen = 0;  // matching operations so far
  bool spent = false;
};

}  // namespace

struct FaultInjectingFileSystem::State {
  // Held across each mutating operation on the real files, so that simulate_crash() sees a
  // clean cut: every write is either before it (and damaged if unsynced) or refused.
  mutable std::mutex mu;
  std::vector<ActiveFault> faults;
  std::map<FaultOp, uint64_t> attempts;
  uint64_t injected = 0;
  bool crashed = false;
  std::map<std::string, std::vector<Range>> unsynced;
  std::mt19937_64 random;
  std::optional<CrashMode> armed_crash;
  uint64_t armed_skip = 0;
  uint64_t damaged = 0;

  // With `mu` held.
  void crash(const std::shared_ptr<FileSystem>& base, CrashMode mode) {
    crashed = true;
    if (mode != CrashMode::kKeepUnsynced) {
      for (const auto& [path, ranges] : unsynced) {
        auto file = base->open_writable(path, OpenMode::kExisting);
        if (!file) continue;  // removed since: nothing left to damage
        for (const Range& r : ranges) {
          std::string bytes(r.length, '\0');
          if (mode == CrashMode::kGarbleUnsynced) {
            for (char& c : bytes) c = static_cast<char>(random());
          }
          if ((*file)->write_at(r.offset, bytes)) damaged += r.length;
        }
        (void)(*file)->sync();
      }
    }
    unsynced.clear();
  }

  // Counts the attempt; returns the error to report when the operation must fail.
  // `half_write` is set when a failing write should first write half its bytes.
  std::optional<Error> check(FaultOp op, const std::string& path, bool* half_write = nullptr) {
    ++attempts[op];
    if (crashed) {
      ++injected;
      return Error{ErrorCode::kIoError,
                   std::string("simulated crash: ") + op_name(op) + " " + path + " refused",
                   std::nullopt, std::nullopt};
    }
    for (ActiveFault& f : faults) {
      if (f.spent || f.op != op) continue;
      if (!f.fault.path_contains.empty() && path.find(f.fault.path_contains) == std::string::npos) {
        continue;
      }
      if (f.seen++ < f.fault.skip) continue;
      if (f.fault.once) f.spent = true;
      if (half_write != nullptr) *half_write = f.fault.write_half_first;
      ++injected;
      return Error{ErrorCode::kIoError,
                   std::string("injected fault: ") + op_name(op) + " " + path + ": " +
                       std::strerror(f.fault.error),
                   std::nullopt, std::nullopt};
    }
    return std::nullopt;
  }

  // The current name of every open writable file: a rename renames the open files too, so
  // that their later writes and syncs count under the name the file has now.
  std::vector<std::weak_ptr<std::string>> open_names;
  std::shared_ptr<std::string> register_name(const std::string& path) {
    auto name = std::make_shared<std::string>(path);
    std::erase_if(open_names, [](const auto& w) { return w.expired(); });
    open_names.push_back(name);
    return name;
  }
  void rename_open_files(const std::string& from, const std::string& to) {
    for (const auto& w : open_names) {
      if (auto name = w.lock(); name && *name == from) *name = to;
    }
  }

  void record_write(const std::string& path, uint64_t offset, uint64_t length) {
    if (length > 0) unsynced[path].push_back(Range{offset, length});
  }
};

namespace {

using State = FaultInjectingFileSystem::State;

class FaultWritableFile final : public WritableFile {
 public:
  // Constructed with the state's mutex held.
  FaultWritableFile(std::shared_ptr<State> state, std::shared_ptr<FileSystem> base_fs,
                    const std::string& path, std::unique_ptr<WritableFile> base)
      : state_(std::move(state)),
        base_fs_(std::move(base_fs)),
        name_(state_->register_name(path)),
        base_(std::move(base)) {}

  Status write_at(uint64_t offset, std::span<const char> data) override {
    std::lock_guard lock(state_->mu);
    bool half = false;
    if (auto error = state_->check(FaultOp::kWrite, name(), &half)) {
      if (half && data.size() > 1) {
        auto first = data.first(data.size() / 2);
        if (base_->write_at(offset, first)) state_->record_write(name(), offset, first.size());
      }
      return std::unexpected(*error);
    }
    Status s = base_->write_at(offset, data);
    if (s) state_->record_write(name(), offset, data.size());
    return s;
  }

  Status sync() override {
    size_t covered = 0;  // the ranges this sync makes durable: those written before it began
    {
      std::lock_guard lock(state_->mu);
      if (state_->armed_crash) {
        if (state_->armed_skip == 0) {
          const CrashMode mode = *state_->armed_crash;
          state_->armed_crash.reset();
          state_->crash(base_fs_, mode);
        } else {
          --state_->armed_skip;
        }
      }
      if (auto error = state_->check(FaultOp::kSync, name())) return std::unexpected(*error);
      covered = state_->unsynced[name()].size();
    }
    // Not under the lock: a crash simulated while the real sync runs counts it as not done.
    Status s = base_->sync();
    std::lock_guard lock(state_->mu);
    if (state_->crashed) {
      return make_error(ErrorCode::kIoError, "simulated crash during sync of " + name());
    }
    if (s) {
      auto& ranges = state_->unsynced[name()];
      ranges.erase(ranges.begin(), ranges.begin() + static_cast<ptrdiff_t>(
                                                        std::min(covered, ranges.size())));
    }
    return s;
  }

  Status allocate(uint64_t offset, uint64_t length) override {
    std::lock_guard lock(state_->mu);
    if (auto error = state_->check(FaultOp::kAllocate, name())) return std::unexpected(*error);
    return base_->allocate(offset, length);
  }

  Status truncate(uint64_t length) override {
    std::lock_guard lock(state_->mu);
    if (auto error = state_->check(FaultOp::kTruncate, name())) return std::unexpected(*error);
    Status s = base_->truncate(length);
    if (s) {
      auto it = state_->unsynced.find(name());
      if (it != state_->unsynced.end()) {
        std::vector<Range> kept;
        for (Range r : it->second) {
          if (r.offset >= length) continue;
          r.length = std::min(r.length, length - r.offset);
          kept.push_back(r);
        }
        it->second = std::move(kept);
      }
    }
    return s;
  }

 private:
  const std::string& name() const { return *name_; }  // with state_->mu held

  std::shared_ptr<State> state_;
  std::shared_ptr<FileSystem> base_fs_;
  std::shared_ptr<std::string> name_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

FaultInjectingFileSystem::FaultInjectingFileSystem(std::shared_ptr<FileSystem> base,
                                                   uint64_t seed)
    : base_(std::move(base)), state_(std::make_shared<State>()) {
  state_->random.seed(seed);
}

FaultInjectingFileSystem::~FaultInjectingFileSystem() = default;

void FaultInjectingFileSystem::inject(FaultOp op, Fault fault) {
  std::lock_guard lock(state_->mu);
  state_->faults.push_back(ActiveFault{op, std::move(fault)});
}

void FaultInjectingFileSystem::heal() {
  std::lock_guard lock(state_->mu);
  state_->faults.clear();
}

uint64_t FaultInjectingFileSystem::attempts(FaultOp op) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->attempts.find(op);
  return it == state_->attempts.end() ? 0 : it->second;
}

uint64_t FaultInjectingFileSystem::injected_failures() const {
  std::lock_guard lock(state_->mu);
  return state_->injected;
}

uint64_t FaultInjectingFileSystem::unsynced_bytes() const {
  std::lock_guard lock(state_->mu);
  uint64_t total = 0;
  for (const auto& [path, ranges] : state_->unsynced) {
    for (const Range& r : ranges) total += r.length;
  }
  return total;
}

uint64_t FaultInjectingFileSystem::simulate_crash(CrashMode mode) {
  std::lock_guard lock(state_->mu);
  const uint64_t before = state_->damaged;
  state_->crash(base_, mode);
  return state_->damaged - before;
}

void FaultInjectingFileSystem::arm_crash_before_sync(CrashMode mode, uint64_t skip_syncs) {
  std::lock_guard lock(state_->mu);
  state_->armed_crash = mode;
  state_->armed_skip = skip_syncs;
}

bool FaultInjectingFileSystem::crashed() const {
  std::lock_guard lock(state_->mu);
  return state_->crashed;
}

uint64_t FaultInjectingFileSystem::damaged_bytes() const {
  std::lock_guard lock(state_->mu);
  return state_->damaged;
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::open_writable(
    const std::string& path, OpenMode mode) {
  std::lock_guard lock(state_->mu);
  if (auto error = state_->check(FaultOp::kOpenWritable, path)) return std::unexpected(*error);
  auto file = base_->open_writable(path, mode);
  if (!file) return std::unexpected(file.error());
  return std::make_unique<FaultWritableFile>(state_, base_, path, std::move(*file));
}

Result<std::unique_ptr<ReadableFile>> FaultInjectingFileSystem::open_readable(
    const std::string& path) {
  return base_->open_readable(path);
}

Status FaultInjectingFileSystem::create_dirs(const std::string& path) {
  std::lock_guard lock(state_->mu);
  if (auto error = state_->check(FaultOp::kCreateDirs, path)) return std::unexpected(*error);
  return base_->create_dirs(path);
}

Result<std::vector<std::string>> FaultInjectingFileSystem::list_dir(const std::string& path) {
  return base_->list_dir(path);
}

Status FaultInjectingFileSystem::remove_file(const std::string& path) {
  std::lock_guard lock(state_->mu);
  if (state_->crashed) {
    return make_error(ErrorCode::kIoError, "simulated crash: remove " + path + " refused");
  }
  Status s = base_->remove_file(path);
  if (s) state_->unsynced.erase(path);
  return s;
}

Status FaultInjectingFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(state_->mu);
  if (state_->crashed) {
    return make_error(ErrorCode::kIoError, "simulated crash: rename " + from + " refused");
  }
  Status s = base_->rename(from, to);
  if (s) {
    state_->rename_open_files(from, to);
    // Unsynced bytes move with the file.
    auto node = state_->unsynced.extract(from);
    state_->unsynced.erase(to);
    if (!node.empty()) {
      node.key() = to;
      state_->unsynced.insert(std::move(node));
    }
  }
  return s;
}

Status FaultInjectingFileSystem::sync_dir(const std::string& path) {
  std::lock_guard lock(state_->mu);
  if (auto error = state_->check(FaultOp::kSyncDir, path)) return std::unexpected(*error);
  return base_->sync_dir(path);
}

bool FaultInjectingFileSystem::exists(const std::string& path) { return base_->exists(path); }

Result<std::unique_ptr<FileLock>> FaultInjectingFileSystem::lock(const std::string& path) {
  return base_->lock(path);
}

}  // namespace mnemos::test
