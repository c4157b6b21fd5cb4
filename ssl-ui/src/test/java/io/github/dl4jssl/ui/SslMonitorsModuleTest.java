package io.github.dl4jssl.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/** The module's routes on a running loopback UI server return the run's data. */
class SslMonitorsModuleTest {

    @Test
    void routesServeThePageAndTheRunsDataAsJson() throws Exception {
        InMemoryStatsStorage storage = new InMemoryStatsStorage();
        String session = "http-" + UUID.randomUUID();
        TinyRun run = new TinyRun(storage, session);
        run.fit(1);
        UIServer server = LoopbackUiServer.startAndAttach(0, storage);
        String base = "http://127.0.0.1:" + server.getPort();
        assertEquals(base + "/ssl", LoopbackUiServer.monitorsPage(server));

        HttpResponse<String> page = Http.get(base + "/ssl");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("DL4J-SSL research monitors"), "the module's page");
        assertEquals(200, Http.get(base + "/train/overview").statusCode(), "DL4J's own pages are served next to it");

        ObjectMapper json = new ObjectMapper();
        JsonNode sessions = json.readTree(Http.get(base + "/ssl/sessions").body());
        JsonNode mine = null;
        for (JsonNode s : sessions) {
            if (s.get("id").asText().equals(session)) {
                mine = s;
            }
        }
        assertNotNull(mine, sessions.toString());
        assertEquals("tiny run", mine.get("description").asText());
        assertEquals(4 + 1 + 1, mine.get("records").asInt(), "4 gradient + 1 collapse + 1 kNN");

        JsonNode data = json.readTree(Http.get(base + "/ssl/data/" + session).body());
        List<GradientMagnitudeMonitor.Measurement> g = run.gradients.getHistory();
        for (String block : List.of("backbone", "head")) {
            JsonNode s = data.get("gradientNorm").get(block);
            assertEquals(g.size(), s.get("y").size());
            for (int i = 0; i < g.size(); i++) {
                assertEquals(g.get(i).iteration(), s.get("x").get(i).asInt());
                assertEquals(g.get(i).blockNorms().get(block), s.get("y").get(i).asDouble(), 0.0);
            }
        }
        CollapseMonitor.Record c = run.collapse.getHistory().get(0);
        assertEquals(c.metrics().collapseAuc(), data.get("collapseAuc").get("backbone_fc2").get("y").get(0).asDouble(), 0.0);
        assertEquals(c.metrics().varianceAuc(), data.get("varianceAuc").get("backbone_fc2").get("y").get(0).asDouble(), 0.0);
        assertEquals(c.metrics().rankMe(), data.get("rankMe").get("backbone_fc2").get("y").get(0).asDouble(), 0.0);
        JsonNode sv = data.get("spectrum").get("backbone_fc2").get("latest").get("singularValues");
        assertEquals(6, sv.size());
        assertEquals(c.metrics().singularValues()[0], sv.get(0).asDouble(), 0.0);
        assertEquals(run.knn.getHistory().get(0).top1(), data.get("knnTop1").get("kNN top-1").get("y").get(0).asDouble(), 0.0);

        HttpResponse<String> missing = Http.get(base + "/ssl/data/no-such-session");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("no-such-session"));
        server.detach(storage);
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        UIServer server = LoopbackUiServer.start(0);
        InetAddress other = null;
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && a.getAddress().length == 4) {
                    other = a;
                }
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(other != null, "no non-loopback IPv4 address to try");
        InetAddress address = other;
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, server.getPort()), 2000);
            }
        }, "the UI must not accept connections on " + address);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.getPort()), 2000);
        }
    }

    @Test
    void badPortIsRefusedWithTheRange() {
        var e = assertThrows(IllegalArgumentException.class, () -> LoopbackUiServer.start(70000));
        assertTrue(e.getMessage().contains("0..65535"), e.getMessage());
    }
}
