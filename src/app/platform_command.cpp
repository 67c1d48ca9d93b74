// `carebridge platform`: the platform alone on its own io_context (the wiring itself is in
// platform_runtime.cpp, shared with `carebridge up`).
#include "app/platform_command.hpp"

#include <iostream>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "app/platform_runtime.hpp"
#include "common/log.hpp"
#include "net/signals.hpp"

namespace carebridge::app {

int run_platform(PlatformConfig config) {
    boost::asio::io_context ioc{1};
    std::optional<PlatformRuntime> platform;
    try {
        platform.emplace(ioc, std::move(config));
    } catch (const std::exception& e) {
        std::cerr << "carebridge: " << e.what() << "\n";
        return 1;
    }
    // SIGTERM/SIGINT: graceful (see PlatformRuntime::begin_shutdown), then exit 0.
    net::on_termination_signal(ioc, [&](int sig) {
        log::info("signal received, stopping", {{"signal", std::to_string(sig)}});
        platform->begin_shutdown([&ioc] { ioc.stop(); });
    });
    net::on_reload_signal(ioc, [&] { platform->reload_keys(); });
    std::cout << "carebridge platform listening on " << platform->bound_url() << " (public URL "
              << platform->public_url() << "), metrics at " << platform->bound_url() << "/metrics" << std::endl;
    ioc.run();
    platform->shutdown();
    return 0;
}

}  // namespace carebridge::app
