// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
#pragma once

#include <string>
#include <string_view>

namespace mnemos::test {

class TempDir {
 public:
  // `tag` goes into the directory name, to recognise leftovers: mnemos-<tag>-XXXXXX.
  explicit TempDir(std::string_view tag = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string file(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace mnemos::test
