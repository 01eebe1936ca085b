package io.quorum.vision.picture;

/** Pictures are drawn off screen: services and CI machines have no display. */
final class Headless {

    private Headless() {
    }

    static void ensure() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }
}
