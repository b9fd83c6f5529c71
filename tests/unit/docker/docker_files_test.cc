// The files under docker/ and the README's snippets of them, checked as text (no containers; the
// container tests in tests/containers run them).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kRepo = NOSHELL_SOURCE_DIR;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Dockerfiles() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(kRepo + "/docker")) {
    if (e.path().filename() == "Dockerfile") out.push_back(e.path().string());
  }
  return out;
}

// README blocks introduced by `<!-- from PATH -->` are copied verbatim from PATH, so what users
// paste is what the container tests build and run.
TEST(DockerFilesTest, ReadmeSnippetsAreCopiedFromTestedFiles) {
  const std::string readme = Read(kRepo + "/README.md");
  const std::regex snippet(R"(<!-- from ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```)");
  int count = 0;
  for (std::sregex_iterator it(readme.begin(), readme.end(), snippet), end; it != end; ++it) {
    const std::string file = (*it)[1], body = (*it)[2];
    EXPECT_THAT(Read(kRepo + "/" + file), HasSubstr(body)) << "README snippet is not in " << file << ":\n" << body;
    ++count;
  }
  EXPECT_GE(count, 3) << "README's \"Use in your image\" shows a Dockerfile, compose and Kubernetes";
}

// Every base image is a build argument pinned by digest (so tests can substitute it and Renovate
// can refresh it); only our own toolbox image is referred to by tag.
TEST(DockerFilesTest, BaseImagesAreDigestPinnedBuildArguments) {
  const std::regex arg(R"(ARG ([A-Z_]+_IMAGE)=(\S+))");
  const std::regex pinned(R"([^:@\s]+:[^@\s]+@sha256:[a-f0-9]{64})");
  const std::regex from(R"(\nFROM (\S+))");
  int pins = 0;
  for (const std::string& path : Dockerfiles()) {
    const std::string text = Read(path);
    for (std::sregex_iterator it(text.begin(), text.end(), arg), end; it != end; ++it) {
      if ((*it)[1] == "NOSHELL_IMAGE") continue;
      EXPECT_TRUE(std::regex_match((*it)[2].str(), pinned)) << path << ": " << (*it)[0];
      ++pins;
    }
    for (std::sregex_iterator it(text.begin(), text.end(), from), end; it != end; ++it) {
      const std::string image = (*it)[1];
      EXPECT_TRUE(image == "scratch" || image.rfind("${", 0) == 0) << path << ": FROM " << image << " is not a build argument";
    }
  }
  EXPECT_EQ(pins, 5);
  // renovate.json's manager matches exactly these lines.
  EXPECT_THAT(Read(kRepo + "/renovate.json"), HasSubstr(R"(ARG [A-Z_]+_IMAGE=(?<depName>[^:@\\s]+):(?<currentValue>[^@\\s]+)@(?<currentDigest>sha256:[a-f0-9]{64}))"));
}

// Health checks and probes are exec form: a shell form (CMD-SHELL, sh -c) needs /bin/sh, which
// the images do not have.
TEST(DockerFilesTest, HealthChecksAndProbesNeedNoShell) {
  for (const std::string& path : Dockerfiles()) {
    const std::string text = Read(path);
    const size_t at = text.find("\nHEALTHCHECK");
    if (at == std::string::npos) continue;
    EXPECT_THAT(text.substr(at, 120), HasSubstr("CMD [\"/usr/local/bin/noshell\", \"healthcheck\"")) << path;
    EXPECT_THAT(text, Not(HasSubstr("ENTRYPOINT /"))) << path;  // shell-form entrypoint
  }
  const std::string compose = Read(kRepo + "/docker/compose.yaml");
  EXPECT_THAT(compose, Not(HasSubstr("\"CMD-SHELL\"")));
  const std::regex test_line(R"(\n\s+test: \[([^,]+),)");
  int tests = 0;
  for (std::sregex_iterator it(compose.begin(), compose.end(), test_line), end; it != end; ++it, ++tests) {
    EXPECT_EQ((*it)[1], "\"CMD\"");
  }
  EXPECT_EQ(tests, 4);  // every service
  // No argument of a health check holds a space: podman's Docker-compatible API splits them
  // (containers/podman#26519).
  const std::regex array(R"re((?:test: |CMD |command: )\[([^\]]*)\])re");
  const std::regex quoted(R"re("([^"]*)")re");
  std::string all = compose;
  for (const std::string& path : Dockerfiles()) all += Read(path);
  all += Read(kRepo + "/docker/k8s/app.yaml");
  int arrays = 0;
  for (std::sregex_iterator it(all.begin(), all.end(), array), end; it != end; ++it, ++arrays) {
    const std::string items = (*it)[1];
    if (items.find("healthcheck") == std::string::npos) continue;
    for (std::sregex_iterator q(items.begin(), items.end(), quoted); q != end; ++q) {
      EXPECT_EQ((*q)[1].str().find(' '), std::string::npos) << "an argument with a space: " << (*q)[0];
    }
  }
  EXPECT_GE(arrays, 10);
  for (const char* k8s : {"/docker/k8s/app.yaml", "/docker/k8s/migrate-job.yaml"}) {
    const std::string text = Read(kRepo + k8s);
    EXPECT_THAT(text, Not(HasSubstr("sh\", \"-c")));
    EXPECT_THAT(text, Not(HasSubstr("/bin/sh")));
  }
}

// Every libFuzzer target is built by the fuzz preset and run by scripts/fuzz.sh (CI once failed
// on a target the preset's build list had left out: its binary did not exist on a clean machine).
TEST(RepoFilesTest, EveryFuzzTargetIsBuiltAndRun) {
  const std::string cmake = Read(kRepo + "/tests/fuzz/CMakeLists.txt");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cmake, m, std::regex(R"(foreach\(target ([a-z_ ]+)\))")));
  const std::string presets = Read(kRepo + "/CMakePresets.json");
  const std::string script = Read(kRepo + "/scripts/fuzz.sh");
  std::smatch s;
  ASSERT_TRUE(std::regex_search(script, s, std::regex(R"(targets=\(([a-z_ ]+)\))")));
  EXPECT_EQ(m[1].str(), s[1].str()) << "scripts/fuzz.sh runs other targets than tests/fuzz/CMakeLists.txt builds";
  int targets = 0;
  std::stringstream names(m[1].str());
  for (std::string name; names >> name; ++targets) {
    EXPECT_THAT(presets, HasSubstr("\"" + name + "_fuzz\"")) << name << " is not in CMakePresets.json's fuzz build preset";
    EXPECT_TRUE(std::filesystem::exists(kRepo + "/tests/fuzz/" + name + "_fuzz.cc")) << name;
    EXPECT_TRUE(std::filesystem::is_directory(kRepo + "/tests/fuzz/corpus/" + name)) << name << " has no seed corpus";
  }
  EXPECT_GE(targets, 8);
}

}  // namespace
