namespace Cep.Tests;
public class PlaceholderTestingTests { [Fact] public void Ok() => Assert.True(true); }
