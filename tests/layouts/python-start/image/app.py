import os

from fastapi import FastAPI
from vllm import LLM, SamplingParams

MODEL_ID = "Qwen/Qwen2.5-7B-Instruct"

app = FastAPI()
llm = LLM(
    model=MODEL_ID,
    max_model_length=8192,
    tensor_parallel_size=int(os.getenv("TP_SIZE", "1")),
    trust_remote_code=True,
    tokenizer_pool_size=4,
)
params = SamplingParams(temperature=0.0, max_tokens=256)


@app.post("/generate")
def generate(prompt: str) -> dict:
    out = llm.generate([prompt], params)
    return {"text": out[0].outputs[0].text}
