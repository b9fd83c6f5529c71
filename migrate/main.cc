// migrate/main.cc — entry point; everything else lives in the library.
#include "common/env.h"
#include "migrate/cli.h"

int main(int argc, char** argv) { return noshell::MigrateMain(argc, argv, noshell::Env::Process()); }
