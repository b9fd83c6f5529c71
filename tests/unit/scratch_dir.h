// tests/unit/scratch_dir.h — a temporary folder for unit tests, removed with everything in it.
#ifndef NOSHELL_TESTS_UNIT_SCRATCH_DIR_H_
#define NOSHELL_TESTS_UNIT_SCRATCH_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace noshell {

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/noshell_unit_XXXXXX";
    const char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    if (made != nullptr) path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& rel) const { return path_ + "/" + rel; }
  // Writes `content`, bytes as given, to path()/rel (folders made as needed); returns the path.
  std::string Write(const std::string& rel, const std::string& content) const {
    const std::string p = Join(rel);
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::string path_;
};

}  // namespace noshell

#endif  // NOSHELL_TESTS_UNIT_SCRATCH_DIR_H_
