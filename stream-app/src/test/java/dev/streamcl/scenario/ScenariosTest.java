package dev.streamcl.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenariosTest {
  static final FashionMnist DATA = FashionMnistTest.DATA;

  @Test
  void namesAreTheFourScenarios() {
    assertEquals(List.of("split-fmnist", "permuted-fmnist", "blurry-fmnist", "wordnet-supersenses"),
        Scenarios.names());
  }

  @Test
  void createBuildsEachByItsNameWithSeedAndCap() {
    for (String name : Scenarios.names()) {
      Scenario scenario = Scenarios.create(name, (Path) null, 17, 20);
      assertEquals(name, scenario.name());
      assertEquals(17, scenario.seed());
      assertEquals(20, scenario.samplesPerTask());
      assertEquals(100, scenario.trainingSize(), name);
    }
    assertInstanceOf(SplitFashionMnist.class, Scenarios.create("split-fmnist", DATA, 1, 10));
    assertInstanceOf(WordNetSupersenses.class, Scenarios.create("wordnet-supersenses", (Path) null, 1, 10));
    assertTrue(Scenarios.readsText("wordnet-supersenses") && !Scenarios.readsText("split-fmnist"));
    PermutedFashionMnist permuted = assertInstanceOf(PermutedFashionMnist.class,
        Scenarios.create("permuted-fmnist", DATA, 1, 10));
    assertEquals(PermutedFashionMnist.DEFAULT_TASKS, permuted.tasks());
    BlurryTaskFreeFashionMnist blurry = assertInstanceOf(BlurryTaskFreeFashionMnist.class,
        Scenarios.create("blurry-fmnist", DATA, 1, 10));
    assertEquals(5, blurry.window());
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Scenarios.create("rotated-fmnist", DATA, 1, 10));
    assertEquals("Unknown scenario 'rotated-fmnist'; known: split-fmnist, permuted-fmnist, blurry-fmnist, "
        + "wordnet-supersenses", e.getMessage());
  }
}
