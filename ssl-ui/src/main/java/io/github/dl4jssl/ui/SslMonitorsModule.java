package io.github.dl4jssl.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.RoutingContext;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageEvent;
import org.deeplearning4j.ui.api.HttpMethod;
import org.deeplearning4j.ui.api.Route;
import org.deeplearning4j.ui.api.UIModule;
import org.deeplearning4j.ui.i18n.I18NResource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The DL4J training UI page of the research monitors: gradient norm and fluctuation per block (Pham et al. 2022,
 * MoCo v3), dimensional collapse (the collapse AUC of Li, Efros, Pathak 2022, Equation 2, and the variance AUC; RankMe,
 * Garrido et al. 2023; the singular-value spectrum) and kNN top-1 accuracy, from the {@link MonitorRecord}s in the
 * attached {@link StatsStorage}s, live while training and from a saved {@code FileStatsStorage}.
 *
 * <p>A {@link UIModule} that DL4J's {@code VertxUIServer} finds with {@link java.util.ServiceLoader} (this jar's
 * {@code META-INF/services/org.deeplearning4j.ui.api.UIModule}), next to its own Train, Model and System pages.
 * Routes: {@code /ssl} (the page; it polls the JSON every 2 seconds), {@code /ssl/sessions} (JSON list of the sessions
 * with monitor records, oldest first) and {@code /ssl/data/:sessionId} (JSON, {@link MonitorSeries}).
 */
public final class SslMonitorsModule implements UIModule {

    /** The page's path on the UI server. */
    public static final String PAGE = "/ssl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<StatsStorage> storages = new CopyOnWriteArrayList<>();
    private final String page;

    /** Used by the service loader. */
    public SslMonitorsModule() {
        try (InputStream in = SslMonitorsModule.class.getResourceAsStream("ssl-monitors.html")) {
            if (in == null) {
                throw new IllegalStateException("ssl-monitors.html missing from the ssl-ui jar");
            }
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<String> getCallbackTypeIDs() { return List.of(MonitorRecord.TYPE_ID); }

    @Override
    public List<Route> getRoutes() {
        return List.of(
                new Route(PAGE, HttpMethod.GET, (args, rc) -> rc.response()
                        .putHeader("content-type", "text/html; charset=utf-8").end(page)),
                new Route(PAGE + "/sessions", HttpMethod.GET, (args, rc) -> json(rc, sessions())),
                new Route(PAGE + "/data/:sessionId", HttpMethod.GET, (args, rc) -> {
                    StatsStorage s = storageOf(args.get(0));
                    if (s == null) {
                        rc.response().setStatusCode(404).putHeader("content-type", "text/plain")
                                .end("no session '" + args.get(0) + "' with monitor records; see " + PAGE + "/sessions");
                    } else {
                        json(rc, MonitorSeries.of(s, args.get(0)));
                    }
                }));
    }

    /** @return the sessions with monitor records: id, description and number of records, oldest first */
    List<Map<String, Object>> sessions() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StatsStorage s : storages) {
            for (String id : s.listSessionIDs()) {
                if (s.listTypeIDsForSession(id).contains(MonitorRecord.TYPE_ID)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", id);
                    long first = Long.MAX_VALUE;
                    int n = 0;
                    for (String w : s.listWorkerIDsForSessionAndType(id, MonitorRecord.TYPE_ID)) {
                        if (s.getStaticInfo(id, MonitorRecord.TYPE_ID, w) instanceof MonitorRecord info) {
                            m.put("description", info.subject());
                            first = Math.min(first, info.getTimeStamp());
                        }
                        n += s.getNumUpdateRecordsFor(id, MonitorRecord.TYPE_ID, w);
                    }
                    m.put("started", first);
                    m.put("records", n);
                    out.add(m);
                }
            }
        }
        out.sort((a, b) -> Long.compare((Long) a.get("started"), (Long) b.get("started")));
        return out;
    }

    private StatsStorage storageOf(String sessionId) {
        for (StatsStorage s : storages) {
            if (s.sessionExists(sessionId) && s.listTypeIDsForSession(sessionId).contains(MonitorRecord.TYPE_ID)) {
                return s;
            }
        }
        return null;
    }

    private static void json(RoutingContext rc, Object value) {
        try {
            rc.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-store")
                    .end(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            rc.response().setStatusCode(500).end(e.getMessage());
        }
    }

    @Override
    public void reportStorageEvents(Collection<StatsStorageEvent> events) {
        // the page polls; the data is read from the storages on each request
    }

    @Override
    public void onAttach(StatsStorage statsStorage) {
        storages.add(statsStorage);
    }

    @Override
    public void onDetach(StatsStorage statsStorage) {
        storages.remove(statsStorage);
    }

    @Override
    public List<I18NResource> getInternationalizationResources() { return List.of(); }
}
