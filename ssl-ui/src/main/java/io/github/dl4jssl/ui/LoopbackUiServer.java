package io.github.dl4jssl.ui;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.impl.VertxInternal;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.api.UIServer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * DL4J's training UI server ({@link VertxUIServer}, with its Train, Model and System pages and every
 * {@link org.deeplearning4j.ui.api.UIModule} on the class path, such as {@link SslMonitorsModule}) listening on the
 * loopback interface only.
 *
 * <p>Why a subclass: {@code VertxUIServer} listens on all interfaces ({@code createHttpServer().listen(port)}, Vert.x's
 * {@code listen(port, handler)} binds 0.0.0.0) and has no option for the host. This class hands it a view of its
 * {@code Vertx} whose {@code createHttpServer()} gives a view of the server whose {@code listen(port, handler)} binds
 * 127.0.0.1 (every other call goes to the real objects), and
 * deploys it the way {@code VertxUIServer.getInstance} does, so that it becomes the JVM's {@code UIServer} instance.
 * Port 0 picks a free port; {@link #port()} tells which.
 */
public final class LoopbackUiServer extends VertxUIServer {

    /** The interface the server listens on. */
    public static final String HOST = "127.0.0.1";

    /**
     * Starts the UI server on the loopback interface, or returns the running one.
     *
     * @param port TCP port, 0 for any free port
     * @return the server (DL4J's {@link UIServer} instance of this JVM)
     * @throws IllegalStateException when it cannot start (e.g. the port is taken; the message names the address and
     *                               the reason, and leaves the fix to the caller, who knows how the port was chosen)
     */
    public static synchronized UIServer start(int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("UI port must be in 0..65535 (0 = any free port), got " + port);
        }
        VertxUIServer running = VertxUIServer.getInstance();
        if (running != null && !running.isStopped()) {
            if (!(running instanceof LoopbackUiServer)) {
                throw new IllegalStateException("a DL4J UI server not bound to loopback is already running at "
                        + running.getAddress() + "; stop it first (UIServer.stopInstance())");
            }
            return running;
        }
        String property = DL4JSystemProperties.UI_SERVER_PORT_PROPERTY;
        String before = System.getProperty(property);
        System.setProperty(property, Integer.toString(port));
        Vertx vertx = Vertx.vertx();
        CompletableFuture<String> started = new CompletableFuture<>();
        try {
            LoopbackUiServer server = new LoopbackUiServer();
            vertx.deployVerticle(server, ar -> {
                if (ar.succeeded()) {
                    started.complete(ar.result());
                } else {
                    started.completeExceptionally(ar.cause());
                }
            });
            started.get(60, TimeUnit.SECONDS);
            Runtime.getRuntime().addShutdownHook(new Thread(LoopbackUiServer::stopQuietly, "dl4j-ui-stop"));
            return server;
        } catch (ExecutionException e) {
            stopQuietly(); // the server registered itself as the JVM's instance: unregister it, or the next start returns it
            vertx.close();
            throw new IllegalStateException("the DL4J UI server could not listen on " + HOST + ":" + port + " ("
                    + rootMessage(e) + ")", e);
        } catch (InterruptedException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("the DL4J UI server did not start: " + e, e);
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    /**
     * Starts (or reuses) the loopback server and attaches a storage.
     *
     * @param port    TCP port, 0 for any
     * @param storage the storage to show
     * @return the server
     */
    public static UIServer startAndAttach(int port, StatsStorage storage) {
        UIServer server = start(port);
        server.attach(storage);
        return server;
    }

    /**
     * @param server a running server
     * @return the address of the monitors' page, e.g. {@code http://127.0.0.1:9000/ssl}
     */
    public static String monitorsPage(UIServer server) {
        return "http://" + HOST + ":" + server.getPort() + SslMonitorsModule.PAGE;
    }

    /** Stops the JVM's UI server, if one runs. */
    public static void stopQuietly() {
        try {
            VertxUIServer.stopInstance();
        } catch (Exception e) {
            // stopping at shutdown: nothing left to do
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    @Override
    public void init(Vertx vertx, Context context) {
        super.init(loopbackOnly(vertx), context);
    }

    /** A view of {@code vertx} whose no-argument {@code createHttpServer()} gives a {@link #loopbackOnly(HttpServer)} server. */
    private static Vertx loopbackOnly(Vertx vertx) {
        return (Vertx) Proxy.newProxyInstance(LoopbackUiServer.class.getClassLoader(), new Class<?>[] {VertxInternal.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("createHttpServer") && (args == null || args.length == 0)) {
                        return loopbackOnly(vertx.createHttpServer());
                    }
                    return invoke(vertx, method, args);
                });
    }

    /**
     * A view of {@code server} whose {@code listen(port, handler)} listens on {@link #HOST} (Vert.x's own goes to
     * 0.0.0.0 whatever the options say); its fluent methods return the view.
     */
    private static HttpServer loopbackOnly(HttpServer server) {
        return (HttpServer) Proxy.newProxyInstance(LoopbackUiServer.class.getClassLoader(), new Class<?>[] {HttpServer.class},
                (proxy, method, args) -> {
                    Object result;
                    if (method.getName().equals("listen") && args != null && args.length == 2 && args[0] instanceof Integer port) {
                        @SuppressWarnings("unchecked")
                        Handler<AsyncResult<HttpServer>> handler = (Handler<AsyncResult<HttpServer>>) args[1];
                        result = server.listen(port, HOST, handler);
                    } else {
                        result = invoke(server, method, args);
                    }
                    return result == server ? proxy : result;
                });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
