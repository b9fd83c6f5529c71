// Container limits from fake cgroup v2 / v1 trees and the host fallback.
#include "entrypoint/container_facts.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/unit/scratch_dir.h"

namespace noshell {
namespace {

// A root with /proc files a container would have.
class FakeRoot : public ScratchDir {
 public:
  FakeRoot() {
    Write("proc/meminfo", "MemTotal:       16384000 kB\nMemFree: 1 kB\n");
    Write("proc/cpuinfo", "processor\t: 0\nprocessor\t: 1\nprocessor\t: 2\nprocessor\t: 3\n");
  }
};

TEST(ContainerFactsTest, Parsers) {
  EXPECT_EQ(ParseCgroup2MemoryMax("max\n"), std::nullopt);
  EXPECT_EQ(ParseCgroup2MemoryMax("536870912\n"), 536870912);
  EXPECT_EQ(ParseCgroup2CpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(ParseCgroup2CpuMax("150000 100000\n"), 1500);
  EXPECT_EQ(ParseCgroup1MemoryLimit("9223372036854771712\n"), std::nullopt);
  EXPECT_EQ(ParseCgroup1MemoryLimit("1073741824\n"), 1073741824);
  EXPECT_EQ(ParseCgroup1Cpu("-1", "100000"), std::nullopt);
  EXPECT_EQ(ParseCgroup1Cpu("50000", "100000"), 500);
  EXPECT_EQ(ParseMemTotal("MemTotal:       2048 kB\n"), 2048 * 1024);
}

TEST(ContainerFactsTest, CgroupV2TightestAncestorWins) {
  FakeRoot root;
  root.Write("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
  root.Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
  root.Write("sys/fs/cgroup/kubepods/pod1/memory.max", "1073741824\n");
  root.Write("sys/fs/cgroup/kubepods/pod1/ctr/memory.max", "max\n");
  root.Write("sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "250000 100000\n");
  ContainerFacts f = ReadContainerFacts(root.path());
  EXPECT_EQ(f.memory_limit_bytes, 1073741824);
  EXPECT_EQ(f.memory_source, "cgroup2");
  EXPECT_EQ(f.cpu_limit_millis, 2500);
  EXPECT_EQ(f.cpu_source, "cgroup2");
  MapEnv env;
  AddContainerFacts(f, &env);
  EXPECT_EQ(env.Get("CONTAINER_MEMORY_LIMIT_MB"), "1024");
  EXPECT_EQ(env.Get("CONTAINER_CPU_COUNT"), "3");
  EXPECT_EQ(env.Get("CONTAINER_CPU_LIMIT_MILLI"), "2500");
  EXPECT_EQ(env.Get("CONTAINER_LIMITS_SOURCE"), "memory:cgroup2 cpu:cgroup2");
}

TEST(ContainerFactsTest, CgroupV1) {
  FakeRoot root;
  root.Write("proc/self/cgroup", "12:memory:/docker/abc\n5:cpu,cpuacct:/docker/abc\n");
  root.Write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "536870912\n");
  root.Write("sys/fs/cgroup/cpu/docker/abc/cpu.cfs_quota_us", "50000\n");
  root.Write("sys/fs/cgroup/cpu/docker/abc/cpu.cfs_period_us", "100000\n");
  ContainerFacts f = ReadContainerFacts(root.path());
  EXPECT_EQ(f.memory_limit_bytes, 536870912);
  EXPECT_EQ(f.memory_source, "cgroup1");
  EXPECT_EQ(f.cpu_limit_millis, 500);
  MapEnv env;
  AddContainerFacts(f, &env);
  EXPECT_EQ(env.Get("CONTAINER_CPU_COUNT"), "1");
}

TEST(ContainerFactsTest, NoLimitsFallBackToTheHost) {
  FakeRoot root;
  root.Write("proc/self/cgroup", "0::/\n");
  root.Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
  root.Write("sys/fs/cgroup/memory.max", "max\n");
  root.Write("sys/fs/cgroup/cpu.max", "max 100000\n");
  ContainerFacts f = ReadContainerFacts(root.path());
  EXPECT_EQ(f.memory_limit_bytes, int64_t{16384000} * 1024);
  EXPECT_EQ(f.memory_source, "host");
  EXPECT_EQ(f.cpu_limit_millis, 4000);
  EXPECT_EQ(f.cpu_source, "host");
  // This machine, for real: something sensible.
  ContainerFacts here = ReadContainerFacts();
  EXPECT_GT(here.memory_limit_bytes, 0);
  EXPECT_GE(here.cpu_limit_millis, 1);
}

}  // namespace
}  // namespace noshell
