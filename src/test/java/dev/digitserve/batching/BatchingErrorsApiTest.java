package dev.digitserve.batching;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.ResultActions;

import dev.digitserve.model.ModelResolver;

/** The batcher's refusals, as a client of the v1 API sees them. */
@SpringBootTest(properties = "digitserve.models.dir=target/no-models-here")
@AutoConfigureMockMvc
class BatchingErrorsApiTest {
    private static final String BODY = "{\"instances\": [[" + "0,".repeat(783) + "0]]}";

    @Autowired
    MockMvc mvc;

    @MockitoBean
    ModelResolver resolver;

    private ResultActions predictFailingWith(RuntimeException error) throws Exception {
        when(resolver.submit(eq("cnn"), isNull(), any(), any()))
                .thenReturn(CompletableFuture.failedFuture(error));
        MvcResult started = mvc.perform(post("/api/v1/models/cnn/predict")
                .contentType(MediaType.APPLICATION_JSON).content(BODY)).andReturn();
        return mvc.perform(asyncDispatch(started))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(content().string(not(containsString("Exception"))));
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        predictFailingWith(new BatchingException(BatchingException.Reason.QUEUE_FULL, "the queue of cnn v1 is full", 3))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "3"))
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:overloaded"));
    }

    @Test
    void anExpiredRequestIs503WithRetryAfter() throws Exception {
        predictFailingWith(new BatchingException(BatchingException.Reason.DEADLINE, "still queued after 5000 ms", 1))
                .andExpect(status().isServiceUnavailable())
                .andExpect(header().string("Retry-After", "1"))
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:deadline-exceeded"));
    }

    @Test
    void aClosedBatcherIs503() throws Exception {
        predictFailingWith(new BatchingException(BatchingException.Reason.SHUTDOWN, "shutting down", 1))
                .andExpect(status().isServiceUnavailable())
                .andExpect(header().exists("Retry-After"))
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:unavailable"));
    }

    @Test
    void anEngineFailureIs500WithoutTheCause() throws Exception {
        predictFailingWith(BatchingException.engineFailed("batch failed", new IllegalStateException("native crash at /tmp/x")))
                .andExpect(status().isInternalServerError())
                .andExpect(jsonPath("$.type").value("urn:digitserve:problem:inference-failed"))
                .andExpect(content().string(not(containsString("/tmp/x"))));
    }
}
