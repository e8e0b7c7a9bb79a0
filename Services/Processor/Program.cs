var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddProcessor(); // what it does to a reading: Core/ProcessorCore.cs; the Kafka and RabbitMQ runners beside it only carry it

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
