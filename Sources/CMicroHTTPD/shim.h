#include <microhttpd.h>

// Swift cannot call C variadic functions. MHD_get_connection_info reads no variadic argument for
// the queries the server makes (the socket and the client address), so a fixed-arity wrapper is exact.
static inline const union MHD_ConnectionInfo *
spark_MHD_get_connection_info(struct MHD_Connection *connection, enum MHD_ConnectionInfoType info_type) {
    return MHD_get_connection_info(connection, info_type);
}
