#pragma once
// xmpp-hold and xmpp-talk: the ejabberd baseline over BOSH (see xmpp.cpp).
#include "core.hpp"
#include "report.hpp"

namespace bench {

// Runs its own io_context; returns the exit code (0: every chat opened, no message lost,
// duplicated, reordered or misrouted, no session ended).
int run_xmpp(const Options& o, Report& report);

}  // namespace bench
