package io.conceptrace.core.data;

import java.util.Objects;
import java.util.Set;

/**
 * One labelled image.
 *
 * @param id stable id used everywhere (attribution outputs, prune lists, grids): source and index
 *     or relative path, e.g. {@code fashion-mnist/train/123} or {@code n01440764/x.JPEG}
 * @param label class index
 * @param image the pixels
 * @param attributes ground-truth attributes known for the image (generated data only), e.g. {@code
 *     wavy}, {@code high-low}; empty when unknown
 */
public record Example(String id, int label, ImageTensor image, Set<String> attributes) {
  public Example {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(image, "image");
    attributes = Set.copyOf(attributes);
  }
}
