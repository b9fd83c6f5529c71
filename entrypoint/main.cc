// entrypoint/main.cc — entry point; everything else lives in the library.
#include "common/env.h"
#include "entrypoint/cli.h"

int main(int argc, char** argv) { return noshell::EntrypointMain(argc, argv, noshell::Env::Process()); }
