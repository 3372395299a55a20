package dev.cdiff.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SampleJobPresetTest {
    private static SampleJobCommand parse(String... args) {
        SampleJobCommand c = new SampleJobCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void sampleJobsDefaultToThePapersSamplerAndFastIsOneOptionAway() {
        SampleJobCommand paper = parse("-p", "a dog");
        assertEquals("ddpm", paper.scheduler());
        assertEquals(200, paper.steps());
        assertEquals(6.0, paper.guidance());
        SampleJobCommand fast = parse("-p", "a dog", "--preset", "fast", "--steps", "10");
        assertEquals("ddim", fast.scheduler());
        assertEquals(10, fast.steps());
    }
}
