#pragma once
// Graceful stop on SIGINT/SIGTERM: calls on_stop once on the io thread.
#include <functional>

namespace boost::asio {
class io_context;
}

namespace carebridge::net {

void on_termination_signal(boost::asio::io_context& ioc, std::function<void(int signal)> on_stop);

}  // namespace carebridge::net
