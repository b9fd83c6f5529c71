// entrypoint/pgdata.h — a PostgreSQL data directory's first start, made safe to interrupt.
//
// The official image runs initdb in PGDATA itself, then its init scripts: a crash or kill -9 in
// between leaves a PG_VERSION file, and the next start takes the half-made cluster for a finished
// one. Here the cluster is made in PGDATA/.noshell-initdb (initdb, pg_hba.conf, the init scripts),
// then moved into PGDATA one entry at a time with PG_VERSION last. Until PG_VERSION is in PGDATA the
// next start finds an interrupted first start, removes what it left, and starts it again.
#ifndef NOSHELL_ENTRYPOINT_PGDATA_H_
#define NOSHELL_ENTRYPOINT_PGDATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace noshell {

// The folder inside PGDATA where a first start makes the cluster.
inline constexpr char kStagingDirName[] = ".noshell-initdb";

enum class PgdataState {
  kEmpty,        // missing, empty, or holding only lost+found (a fresh volume): initialise
  kInitialized,  // PG_VERSION is there: start the server
  kInterrupted,  // a first start was interrupted (ours left its staging folder): start it again
};

struct Pgdata {
  PgdataState state = PgdataState::kEmpty;
  std::string version;         // PG_VERSION's content (kInitialized), e.g. "15"
  bool staging_left = false;   // kInitialized with the (empty) staging folder still there: remove it
};

// What `pgdata` holds. kFailedPrecondition, saying what to do, for a folder with files but neither
// PG_VERSION nor our staging folder (not a cluster, or not one a first start of ours began).
absl::StatusOr<Pgdata> InspectPgdata(const std::string& pgdata);

// A cluster of another major version than the server's: kFailedPrecondition saying so (upgrading
// is pg_upgrade's job, not a start's).
absl::Status CheckMajorVersion(const Pgdata& pgdata, absl::string_view server_major);

// Removes what an interrupted first start left: the staging folder, every entry it had already
// moved into PGDATA (lost+found stays), and the contents of `waldir` when one was given to initdb.
absl::Status ClearInterruptedStart(const std::string& pgdata, const std::string& waldir);

// Moves the cluster made in the staging folder into PGDATA, PG_VERSION last, then removes the
// staging folder.
absl::Status CommitStagedCluster(const std::string& pgdata);

std::string StagingDir(const std::string& pgdata);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_PGDATA_H_
