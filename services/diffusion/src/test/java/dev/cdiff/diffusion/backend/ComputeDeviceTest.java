package dev.cdiff.diffusion.backend;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ComputeDeviceTest {
    @Test
    void parsesTheSettingAndRejectsTypos() {
        assertEquals(Device.cpu(), ComputeDevice.parse(null));
        assertEquals(Device.cpu(), ComputeDevice.parse(" "));
        assertEquals(Device.cpu(), ComputeDevice.parse("CPU"));
        assertEquals(Device.gpu(0), ComputeDevice.parse("gpu"));
        assertEquals(Device.gpu(1), ComputeDevice.parse("gpu:1"));
        assertEquals(Device.gpu(2), ComputeDevice.parse("cuda:2"));
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("gpu1"));
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("gpu:-1"));
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("tpu"));
    }

    @Test
    void rootManagersAndTheirArraysFollowTheSetting() {
        String before = System.getProperty(ComputeDevice.PROPERTY);
        System.setProperty(ComputeDevice.PROPERTY, "cpu");
        try (NDManager m = ComputeDevice.newManager();
             NDManager sub = m.newSubManager()) {
            NDArray a = sub.create(new float[] {1, 2, 3});
            assertEquals(Device.cpu(), m.getDevice());
            assertEquals(Device.cpu(), a.getDevice());
        } finally {
            if (before == null) {
                System.clearProperty(ComputeDevice.PROPERTY);
            } else {
                System.setProperty(ComputeDevice.PROPERTY, before);
            }
        }
    }
}
