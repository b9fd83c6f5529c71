// Whole-file reads and atomic writes (common/file.h), on real temp files.
#include "common/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/scratch_dir.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;

class FileTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return scratch_.Join(name); }
  std::string Read(const std::string& name) const {
    auto r = ReadWholeFile(Path(name), 1 << 20, "");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : "";
  }
  ScratchDir scratch_;
  const std::string& dir_ = scratch_.path();
};

TEST_F(FileTest, ReadsWholeFile) {
  ASSERT_TRUE(WriteFileAtomically(Path("a"), std::string("x\0y", 3), 0600).ok());
  EXPECT_EQ(Read("a"), std::string("x\0y", 3));
}

// One read per file when fstat's size is right; whatever the size, the content is whole.
TEST_F(FileTest, ReadsFilesOfEverySizeWhole) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{235}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{300001}}) {
    std::string content(size, 'x');
    for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>('a' + i % 26);
    const std::string name = absl::StrCat("f", size);
    ASSERT_TRUE(WriteFileAtomically(Path(name), content, 0600).ok());
    EXPECT_EQ(Read(name), content) << size;
  }
  ASSERT_TRUE(WriteFileAtomically(Path("exact"), std::string(100, 'e'), 0600).ok());
  auto r = ReadWholeFile(Path("exact"), 100, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::string(100, 'e'));
}

// /proc files say 0 bytes and hold more: read to their end, not to their stated size.
TEST_F(FileTest, FilesWhoseSizeIsWrongAreReadToTheirEnd) {
  struct stat st;
  ASSERT_EQ(stat("/proc/self/status", &st), 0);
  ASSERT_EQ(st.st_size, 0);
  auto r = ReadWholeFile("/proc/self/status", 1 << 20, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, HasSubstr("Name:"));
  EXPECT_THAT(*r, HasSubstr("VmPeak:"));  // well past the first read's one byte
}

// Hostile-test H7: a FIFO blocked every binary for ever.
TEST_F(FileTest, FifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo(Path("f").c_str(), 0600), 0);
  auto r = ReadWholeFile(Path("f"), 100, "X_FILE");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "read X_FILE " + Path("f") + ": is a FIFO, not a regular file");
}

// Hostile-test D3: a directory rendered as an empty template.
TEST_F(FileTest, DirectoryAndDeviceAreRefused) {
  auto r = ReadWholeFile(dir_, 100, "template");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "read template " + dir_ + ": is a directory");
  r = ReadWholeFile("/dev/zero", 100, "template");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "read template /dev/zero: is a device, not a regular file");
}

TEST_F(FileTest, MissingTooLargeAndUnreadable) {
  auto r = ReadWholeFile(Path("missing"), 100, "x");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("No such file or directory"));
  ASSERT_TRUE(WriteFileAtomically(Path("big"), std::string(101, 'a'), 0644).ok());
  r = ReadWholeFile(Path("big"), 100, "x");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("larger than 100 bytes"));
}

// Hostile-test D2: as PID 1 the temp name was always DST.tmp.1, opened without O_EXCL|O_NOFOLLOW,
// so a planted symlink made root overwrite and chmod its target.
TEST_F(FileTest, PlantedSymlinksAreNeverFollowed) {
  ASSERT_TRUE(WriteFileAtomically(Path("victim"), "ORIGINAL", 0644).ok());
  for (const char* planted : {"app.conf.tmp.1", "app.conf.tmp", "app.conf.tmp-0"}) {
    ASSERT_EQ(symlink(Path("victim").c_str(), Path(planted).c_str()), 0);
  }
  ASSERT_TRUE(WriteFileAtomically(Path("app.conf"), "rendered", 0600).ok());
  EXPECT_EQ(Read("victim"), "ORIGINAL");
  struct stat st;
  ASSERT_EQ(stat(Path("victim").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  ASSERT_EQ(lstat(Path("app.conf").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(Read("app.conf"), "rendered");
}

TEST_F(FileTest, StagedFilesReplaceOnlyOnCommit) {
  ASSERT_TRUE(WriteFileAtomically(Path("one"), "OLD1", 0644).ok());
  {
    auto staged = StagedFile::Write(Path("one"), "NEW1", 0644);
    ASSERT_TRUE(staged.ok()) << staged.status();
    EXPECT_EQ(Read("one"), "OLD1");
  }  // dropped uncommitted: removed, destination untouched
  EXPECT_EQ(Read("one"), "OLD1");
  auto staged = StagedFile::Write(Path("one"), "NEW1", 0640);
  ASSERT_TRUE(staged.ok());
  ASSERT_TRUE(staged->Commit().ok());
  EXPECT_EQ(Read("one"), "NEW1");
  // Nothing but the two files is left in the folder.
  EXPECT_EQ(std::system(("test $(ls -A " + dir_ + " | wc -l) -eq 1").c_str()), 0);
}

TEST_F(FileTest, WriteIntoMissingFolderFails) {
  absl::Status s = WriteFileAtomically(Path("no/such/dir/x"), "x", 0644);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("write " + Path("no/such/dir/x") + ": No such file"));
}

TEST_F(FileTest, NewFilesNeverReplaceAnything) {
  ASSERT_TRUE(WriteNewFile(Path("new"), "first", 0640).ok());
  EXPECT_EQ(Read("new"), "first");
  struct stat st;
  ASSERT_EQ(stat(Path("new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  absl::Status again = WriteNewFile(Path("new"), "second", 0640);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  EXPECT_EQ(Read("new"), "first");
  // A dangling symlink is something: never followed, never replaced.
  ASSERT_EQ(symlink(Path("elsewhere").c_str(), Path("link").c_str()), 0);
  EXPECT_EQ(WriteNewFile(Path("link"), "x", 0644).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(access(Path("elsewhere").c_str(), F_OK), 0);
  // Nothing but the file and the link is left.
  EXPECT_EQ(std::system(("test $(ls -A " + dir_ + " | wc -l) -eq 2").c_str()), 0);
}

TEST(ErrnoToStatusTest, OneMappingForFilesAndSockets) {
  struct Case {
    int err;
    absl::StatusCode want;
  };
  for (const Case& c : {Case{ENOENT, absl::StatusCode::kNotFound}, Case{EACCES, absl::StatusCode::kPermissionDenied},
                        Case{EPERM, absl::StatusCode::kPermissionDenied}, Case{ECONNREFUSED, absl::StatusCode::kUnavailable},
                        Case{ECONNRESET, absl::StatusCode::kUnavailable}, Case{ETIMEDOUT, absl::StatusCode::kUnavailable},
                        Case{EPIPE, absl::StatusCode::kUnavailable}, Case{EISDIR, absl::StatusCode::kInvalidArgument},
                        Case{ELOOP, absl::StatusCode::kInvalidArgument}, Case{EMFILE, absl::StatusCode::kUnknown},
                        Case{EIO, absl::StatusCode::kUnknown}}) {
    absl::Status s = ErrnoToStatus(c.err, "open /x");
    EXPECT_EQ(s.code(), c.want) << c.err;
    EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("open /x: ", std::strerror(c.err))));
  }
}

}  // namespace
}  // namespace noshell
