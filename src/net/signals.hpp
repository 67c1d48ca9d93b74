#pragma once
// Graceful stop on SIGINT/SIGTERM: calls on_stop once on the io thread. Reload on SIGHUP:
// calls on_reload on the io thread each time (instead of the default, which kills the process).
#include <functional>

namespace boost::asio {
class io_context;
}

namespace carebridge::net {

void on_termination_signal(boost::asio::io_context& ioc, std::function<void(int signal)> on_stop);
void on_reload_signal(boost::asio::io_context& ioc, std::function<void()> on_reload);

}  // namespace carebridge::net
