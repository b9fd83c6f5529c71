// healthcheck/main.cc — entry point; everything else lives in the library.
#include "common/env.h"
#include "healthcheck/healthcheck.h"

int main(int argc, char** argv) { return noshell::HealthcheckMain(argc, argv, noshell::Env::Process()); }
