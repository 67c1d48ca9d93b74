// `carebridge helpdesk --config FILE`: the reference Service Application, talking to a
// platform elsewhere.
#include "app/helpdesk_command.hpp"

#include <iostream>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "app/helpdesk_runtime.hpp"
#include "net/signals.hpp"

namespace carebridge::app {

int run_helpdesk(helpdesk::Settings settings) {
    boost::asio::io_context ioc{1};
    std::optional<HelpdeskRuntime> helpdesk;
    try {
        helpdesk.emplace(ioc, std::move(settings));
    } catch (const std::exception& e) {
        std::cerr << "carebridge: " << e.what() << "\n";
        return 1;
    }
    helpdesk->start();
    net::on_termination_signal(ioc, [&](int sig) {
        std::cerr << "carebridge: signal " << sig << ", stopping\n";
        helpdesk->stop();
        ioc.stop();
    });
    std::cout << "carebridge helpdesk listening on " << helpdesk->bound_url() << " (public URL "
              << helpdesk->public_url() << ")\n"
              << "visitor page: " << helpdesk->public_url() << "/  agent console: " << helpdesk->public_url()
              << "/agent/" << std::endl;
    ioc.run();
    return 0;
}

}  // namespace carebridge::app
